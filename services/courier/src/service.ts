import { type Bus, type Stoppable, tenantConsumers } from '@relay/bus';
import { watchDirectory, webhookTenants } from '@relay/directory';
import { type Logger, type Metrics, observeJetStream, startOpsServer } from '@relay/observability';
import type { CourierConfig } from './config.js';
import { runCourier } from './courier.js';

/** What the courier runs on: config, a connected bus with topology ensured, logger and metrics. */
export interface CourierDeps {
  readonly config: CourierConfig;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A running courier process. */
export interface CourierService extends Stoppable {
  /** The port of `/metrics` and `/healthz` (useful with port 0). */
  readonly opsPort: number;
  /** The hotlines being delivered to now. */
  hotlines(): string[];
}

/**
 * Starts the courier on a connected bus (decision 0114): follows the signed
 * directory for the hotlines that receive by webhook (and the signers their
 * messages are verified with), runs one endpoint per hotline, and the ops
 * port. `stop()` drains it all and leaves the bus to the caller.
 */
export async function startCourier(deps: CourierDeps): Promise<CourierService> {
  const { config, bus, logger: log, metrics } = deps;
  const attempts = metrics.counter('relay_courier_attempts_total', 'Webhook POSTs and DLQ hand-offs by hotline and outcome', ['hotline', 'outcome', 'status']);
  const courier = runCourier({
    bus,
    secretsDir: config.secretsDir,
    limits: config.limits,
    retry: config.retry,
    breaker: config.breaker,
    provenance: { directoryKey: [...config.directoryKey] },
    log,
    observe: (hotline, outcome, status) => attempts.inc({ hotline, outcome, status: status === undefined ? 'none' : String(status) }),
  });
  const refused = metrics.counter('relay_directory_refused_total', 'Stored directory revisions refused (invalid or not signed by the pinned key)', []);
  const directory = await watchDirectory(bus, {
    key: config.directoryKey,
    onInvalid: (err) => {
      refused.inc({});
      log.error({ err }, 'stored directory is invalid or not validly signed: keeping the previous one');
    },
    onChange: (stored) => void courier.apply(webhookTenants(stored.directory)),
  });
  const first = directory.current();
  if (first !== undefined) await courier.apply(webhookTenants(first.directory));
  const ops = await startOpsServer({
    host: config.opsHost,
    port: config.opsPort,
    registry: metrics.registry,
    checks: { nats: () => bus.isConnected(), directory: () => directory.current() !== undefined, endpoints: () => courier.running() },
  });
  // What waits for each webhook hotline: the backlog of the consumers the courier reads for it.
  const stopGauges = observeJetStream(bus, metrics, {
    consumers: () =>
      courier.hotlines().flatMap((h) => [tenantConsumers.hotlineReferrals(h), tenantConsumers.hotlineNotices(h, undefined)].map((c) => ({ stream: c.stream, durable: c.durable }))),
  });
  log.info({ hotlines: courier.hotlines(), opsPort: ops.port, server: bus.serverVersion }, 'courier ready');
  return {
    opsPort: ops.port,
    hotlines: () => courier.hotlines(),
    stop: async () => {
      stopGauges();
      directory.stop();
      await courier.stop();
      await ops.stop();
    },
  };
}
