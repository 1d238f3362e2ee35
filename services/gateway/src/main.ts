import { configuredOrExit, connectBus, ensureTopology, stopOnSignals } from '@relay/bus';
import { createLogger, createMetrics, keepHeapCompact } from '@relay/observability';
import { gatewayConfigFromEnv } from './config.js';
import { startGateway } from './service.js';

// The service skeleton (decision 0114): heap -> config -> logger, metrics -> connect -> topology -> start -> signals.
keepHeapCompact();
const config = configuredOrExit('gateway', () => gatewayConfigFromEnv(process.env));
const logger = createLogger('gateway', config.logLevel);
const metrics = createMetrics('gateway');
const bus = await connectBus(config.bus, { metrics: metrics.bus });
await ensureTopology(bus, { replicas: config.bus.replicas });
const gateway = await configuredOrExit('gateway', () => startGateway({ config, bus, logger, metrics }));
stopOnSignals(
  async () => {
    await gateway.stop();
    await bus.close();
  },
  { log: logger },
);
