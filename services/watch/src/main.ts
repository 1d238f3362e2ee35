import { configuredOrExit, connectBus, ensureTopology, stopOnSignals } from '@relay/bus';
import { createLogger, createMetrics, keepHeapCompact } from '@relay/observability';
import { watchConfigFromEnv } from './config.js';
import { startWatch } from './service.js';

// The service skeleton (decision 0114): heap -> config -> logger, metrics -> connect -> topology -> start -> signals.
keepHeapCompact();
const config = configuredOrExit('watch', () => watchConfigFromEnv(process.env));
const logger = createLogger('watch', config.logLevel);
const metrics = createMetrics('watch');
const bus = await connectBus(config.bus, { metrics: metrics.bus });
await ensureTopology(bus, { replicas: config.bus.replicas });
const watch = await configuredOrExit('watch', () => startWatch({ config, bus, logger, metrics }));
stopOnSignals(
  async () => {
    await watch.stop();
    await bus.close();
  },
  { log: logger },
);
