import { configuredOrExit, connectBus, ensureTopology, stopOnSignals } from '@relay/bus';
import { createLogger, createMetrics, keepHeapCompact } from '@relay/observability';
import { consoleConfigFromEnv } from './config.js';
import { startConsole } from './service.js';

// The service skeleton (decision 0114): heap -> config -> logger, metrics -> connect -> topology -> start -> signals.
keepHeapCompact();
const config = configuredOrExit('console', () => consoleConfigFromEnv(process.env));
const logger = createLogger('console', config.logLevel);
const metrics = createMetrics('console');
const bus = await connectBus(config.bus, { metrics: metrics.bus });
await ensureTopology(bus, { replicas: config.bus.replicas });
const console = await configuredOrExit('console', () => startConsole({ config, bus, logger, metrics }));
stopOnSignals(
  async () => {
    await console.stop();
    await bus.close();
  },
  { log: logger },
);
