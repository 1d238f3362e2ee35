import type { Bus, Stoppable } from '@relay/bus';
import { seedDirectory } from '@relay/directory';
import { type Logger, type Metrics, observeJetStream, startOpsServer } from '@relay/observability';
import { StreamName } from '@relay/wire';
import type { DispatcherConfig } from './config.js';
import { runDispatcher } from './dispatcher.js';
import { retentionMetrics } from './metrics.js';
import { scheduleRetention } from './retention-schedule.js';

/** What the dispatcher runs on: config, a connected bus with topology ensured, logger and metrics. */
export interface DispatcherDeps {
  readonly config: DispatcherConfig;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A running dispatcher process: its consumers, scheduler, retention runs and ops port. */
export interface DispatcherService extends Stoppable {
  /** The port of `/metrics` and `/healthz` (useful with port 0). */
  readonly opsPort: number;
}

/**
 * Starts the dispatcher on a connected bus (topology ensured), as its
 * main.ts does (decision 0114): seeds the directory from the configured file
 * when none is stored, runs the dispatcher, the retention schedule when
 * anonymisation is configured, the JetStream gauges and the ops port.
 * `stop()` drains it all and leaves the bus to the caller.
 */
export async function startDispatcher(deps: DispatcherDeps): Promise<DispatcherService> {
  const { config, bus, logger: log, metrics } = deps;
  if (config.directorySeed) {
    const { revision, seeded } = await seedDirectory(bus, config.directorySeed);
    log.info({ revision, seeded, file: config.directoryFile }, seeded ? 'directory seeded from file' : 'directory already stored: file not applied');
  }
  const dispatcher = await runDispatcher({ bus, settings: config.settings, log, metrics, directoryKey: config.directoryKey });
  const ops = await startOpsServer({
    host: config.opsHost,
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
  return {
    opsPort: ops.port,
    stop: async () => {
      stopGauges();
      await stopRetention();
      await dispatcher.stop();
      await ops.stop();
    },
  };
}
