import { connectBus, ensureTopology, isConfigError, stopOnSignals } from '@relay/bus';
import { createLogger, createMetrics, keepHeapCompact } from '@relay/observability';
import { gatewayConfigFromEnv } from './config.js';
import { startGateway } from './gateway.js';

keepHeapCompact();

// env -> config -> connect -> ensureTopology -> wire -> run (decision 0003).
let config;
try {
  config = gatewayConfigFromEnv(process.env);
} catch (err) {
  if (!isConfigError(err)) throw err;
  process.stderr.write(`gateway: ${err.message}\n`);
  process.exit(2);
}
const logger = createLogger('gateway', config.logLevel);
const metrics = createMetrics('gateway');
const bus = await connectBus(config.bus, { metrics: metrics.bus });
await ensureTopology(bus, { replicas: config.bus.replicas });
const gateway = await startGateway({ config, bus, logger, metrics });
stopOnSignals(
  async () => {
    await gateway.stop();
    await bus.close();
  },
  { log: logger },
);
