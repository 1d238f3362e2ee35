import type { BenchSuite } from '../harness.js';
import { suite as console } from './console.js';
import { suite as dispatcher } from './dispatcher.js';
import { suite as intake } from './intake.js';
import { suite as locator } from './locator.js';
import { suite as pipeline } from './pipeline.js';
import { suite as reroute } from './reroute.js';
import { suite as services } from './services.js';
import { suite as soak } from './soak.js';
import { suite as windows } from './windows.js';

/** Every benchmark suite, in the order they run. Add one line per suite. */
export const suites: readonly BenchSuite[] = [services, intake, locator, dispatcher, pipeline, reroute, console, soak, windows];
