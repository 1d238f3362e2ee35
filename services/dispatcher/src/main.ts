// The dispatcher process: env -> config -> connect -> topology -> directory seed -> dispatcher -> ops server; signals.
import { connectBus, ensureTopology, isConfigError, stopOnSignals } from '@relay/bus';
import { isDirectoryInvalidError, isDirectorySignatureError, isDirectoryUnreadableError, loadDirectoryFile, seedDirectory } from '@relay/directory';
import { createLogger, createMetrics, keepHeapCompact, observeJetStream, startOpsServer } from '@relay/observability';
import { StreamName } from '@relay/wire';
import { configFromEnv } from './config.js';
import { createDispatcher } from './dispatcher.js';
import { retentionMetrics } from './metrics.js';
import { scheduleRetention } from './retention-schedule.js';

keepHeapCompact();

let config;
try {
  config = configFromEnv(process.env);
} catch (err) {
  if (!isConfigError(err)) throw err;
  process.stderr.write(`dispatcher: ${err.message}\n`);
  process.exit(2);
}
const log = createLogger('dispatcher', config.logLevel);
let seed;
try {
  seed = config.directoryFile === undefined ? undefined : loadDirectoryFile(config.directoryFile, config.directoryKey);
} catch (err) {
  if (!isDirectoryInvalidError(err) && !isDirectoryUnreadableError(err) && !isDirectorySignatureError(err)) throw err;
  process.stderr.write(`dispatcher: RELAY_DIRECTORY_FILE: ${err.message}\n`);
  process.exit(2);
}

const metrics = createMetrics('dispatcher');
const bus = await connectBus(config.bus, { metrics: metrics.bus });
await ensureTopology(bus, { replicas: config.bus.replicas });
if (seed) {
  const { revision, seeded } = await seedDirectory(bus, seed);
  log.info({ revision, seeded, file: config.directoryFile }, seeded ? 'directory seeded from file' : 'directory already stored: file not applied');
}
const dispatcher = await createDispatcher({ bus, settings: config.settings, log, metrics, directoryKey: config.directoryKey });
const ops = await startOpsServer({
  port: config.opsPort,
  registry: metrics.registry,
  checks: { nats: () => bus.isConnected(), directory: () => dispatcher.ready() },
});
const stopRetention = config.retention
  ? scheduleRetention(bus, { ...config.retention, log, readers: () => dispatcher.tenantReaders(), onWaiting: retentionMetrics(metrics).waiting })
  : () => Promise.resolve();
// The dispatcher also exports the DLQ size: it is the service every operator dashboard has.
const stopGauges = observeJetStream(bus, metrics, {
  consumers: () => dispatcher.consumers(),
  streams: [StreamName.Dlq, StreamName.Reports, StreamName.Referrals, StreamName.Notices],
});
log.info({ opsPort: ops.port, recheckIntervalMs: config.settings.recheckIntervalMs }, 'dispatcher running');
stopOnSignals(
  async () => {
    stopGauges();
    await stopRetention();
    await dispatcher.stop();
    await ops.stop();
    await bus.close();
  },
  { log },
);
