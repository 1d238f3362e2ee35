import { configuredOrExit, connectBus, ensureTopology, stopOnSignals } from '@relay/bus';
import { createLogger, createMetrics, keepHeapCompact } from '@relay/observability';
import { locatorConfigFromEnv } from './config.js';
import { startLocator } from './service.js';

// The service skeleton (decision 0114): heap -> config -> logger, metrics -> connect -> topology -> start -> signals.
keepHeapCompact();
const config = configuredOrExit('locator', () => locatorConfigFromEnv(process.env));
const logger = createLogger('locator', config.logLevel);
const metrics = createMetrics('locator');
const bus = await connectBus(config.bus, { metrics: metrics.bus });
await ensureTopology(bus, { replicas: config.bus.replicas });
const locator = await configuredOrExit('locator', () => startLocator({ config, bus, logger, metrics }));
stopOnSignals(
  async () => {
    await locator.stop();
    await bus.close();
  },
  { log: logger },
);
