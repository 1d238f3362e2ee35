import type { Bus, Stoppable } from '@relay/bus';
import { watchDirectory } from '@relay/directory';
import { type Logger, type Metrics, observeJetStream, startOpsServer } from '@relay/observability';
import { StreamName } from '@relay/wire';
import type { WatchConfig } from './config.js';
import { watchVerifiers } from './verifiers.js';
import { Durable, runWatch } from './watch.js';

/** What the watch runs on: config, a connected bus with topology ensured, logger and metrics. */
export interface WatchDeps {
  readonly config: WatchConfig;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A running watch process: its consumer, sweep, directory watch and ops port. */
export interface WatchService extends Stoppable {
  /** The port of `/metrics` and `/healthz` (useful with port 0). */
  readonly opsPort: number;
}

/**
 * Starts the watch on a connected bus (topology ensured), as its main.ts does
 * (decision 0114): follows the signed directory (thresholds and signers), runs
 * the consumer and the sweep with their verifier, the JetStream gauges and the
 * ops port. `stop()` drains it all and leaves the bus to the caller.
 */
export async function startWatch(deps: WatchDeps): Promise<WatchService> {
  const { config, bus, logger: log, metrics } = deps;
  const refused = metrics.counter('relay_directory_refused_total', 'Stored directory revisions refused (invalid or not signed by the pinned key)', []);
  const directory = await watchDirectory(bus, {
    key: config.directoryKey,
    onInvalid: (err) => {
      refused.inc({});
      log.error({ err }, 'stored directory is invalid or not validly signed: keeping the previous one');
    },
  });
  const revisions = metrics.counter('relay_watch_wave_revisions_total', 'Relocation-wave revisions published', ['final']);
  const current = () => directory.current()?.directory;
  const watch = await runWatch({
    bus,
    directory: current,
    sweepIntervalMs: config.sweepIntervalMs,
    concurrency: config.concurrency,
    verify: watchVerifiers(current, true).notices,
    revised: (p, notices) => {
      revisions.inc({ final: String(p.final) });
      log.info({ wave: p.wave.id, revision: p.revision, final: p.final, from: p.wave.from, to: p.wave.to, asn: p.wave.asn, notices }, 'relocation wave revised');
    },
    log,
  });
  const ops = await startOpsServer({
    host: config.opsHost,
    port: config.opsPort,
    registry: metrics.registry,
    checks: { nats: () => bus.isConnected(), consumers: () => watch.running(), directory: () => directory.current() !== undefined },
  });
  const stopGauges = observeJetStream(bus, metrics, { consumers: [{ stream: StreamName.Notices, durable: Durable.Notices }] });
  log.info({ opsPort: ops.port, server: bus.serverVersion }, 'watch ready');
  return {
    opsPort: ops.port,
    stop: async () => {
      stopGauges();
      await watch.stop();
      directory.stop();
      await ops.stop();
    },
  };
}
