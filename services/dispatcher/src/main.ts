import { configuredOrExit, connectBus, ensureTopology, stopOnSignals } from '@relay/bus';
import { createLogger, createMetrics, keepHeapCompact } from '@relay/observability';
import { dispatcherConfigFromEnv } from './config.js';
import { startDispatcher } from './service.js';

// The service skeleton (decision 0114): heap -> config -> logger, metrics -> connect -> topology -> start -> signals.
keepHeapCompact();
const config = configuredOrExit('dispatcher', () => dispatcherConfigFromEnv(process.env));
const logger = createLogger('dispatcher', config.logLevel);
const metrics = createMetrics('dispatcher');
const bus = await connectBus(config.bus, { metrics: metrics.bus });
await ensureTopology(bus, { replicas: config.bus.replicas });
const dispatcher = await configuredOrExit('dispatcher', () => startDispatcher({ config, bus, logger, metrics }));
stopOnSignals(
  async () => {
    await dispatcher.stop();
    await bus.close();
  },
  { log: logger },
);
