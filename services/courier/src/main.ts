import { configuredOrExit, connectBus, ensureTopology, stopOnSignals } from '@relay/bus';
import { createLogger, createMetrics, keepHeapCompact } from '@relay/observability';
import { courierConfigFromEnv } from './config.js';
import { startCourier } from './service.js';

// The service skeleton (decision 0114): heap -> config -> logger, metrics -> connect -> topology -> start -> signals.
keepHeapCompact();
const config = configuredOrExit('courier', () => courierConfigFromEnv(process.env));
const logger = createLogger('courier', config.logLevel);
const metrics = createMetrics('courier');
const bus = await connectBus(config.bus, { metrics: metrics.bus });
await ensureTopology(bus, { replicas: config.bus.replicas });
const courier = await configuredOrExit('courier', () => startCourier({ config, bus, logger, metrics }));
stopOnSignals(
  async () => {
    await courier.stop();
    await bus.close();
  },
  { log: logger },
);
