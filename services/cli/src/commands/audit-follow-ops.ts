import type { Bus } from '@relay/bus';
import { createMetrics, startOpsServer } from '@relay/observability';
import type { FollowRound } from './audit-follow.js';

/** `/metrics` and `/healthz` of a running `relay audit --follow`, and what feeds them. */
export interface FollowOps {
  readonly port: number;
  /** Counts a finished round. */
  record(round: FollowRound): void;
  stop(): Promise<void>;
}

/**
 * Serves what an operator alerts on while `relay audit --follow` runs
 * (deploy/k8s/audit-follow.yaml): `relay_audit_rounds_total{outcome}`
 * (clean, findings, failed), `relay_audit_lost` and `relay_audit_duplicated`
 * of the last round that read, `relay_audit_repair_requests_total`,
 * `relay_audit_repaired_total`, `relay_audit_dismissed_total`, `relay_audit_round_seconds` (the
 * last round's duration) and the time of the last round that read.
 * `/healthz` is ready while NATS is connected and a round has read within
 * twice `everyMs` (plus a minute for the round itself).
 */
export async function startFollowOps(bus: Bus, options: { readonly host: string; readonly port: number; readonly everyMs: number }): Promise<FollowOps> {
  const metrics = createMetrics('audit-follow');
  const rounds = metrics.counter('relay_audit_rounds_total', 'Rounds of relay audit --follow by outcome: clean, findings (lost or duplicated), failed (could not read)', ['outcome']);
  const lost = metrics.gauge('relay_audit_lost', 'Reports (and cases rechecked in its window) not accounted for in the last round that read (after its repair)');
  const duplicated = metrics.gauge('relay_audit_duplicated', 'Referrals or notices issued twice, in the last round that read');
  const asked = metrics.counter('relay_audit_repair_requests_total', 'Repair requests sent for what the broker acknowledged and lost (decision 0154)');
  const repaired = metrics.counter('relay_audit_repaired_total', 'Repair requests accounted for within the round that sent them');
  const dismissed = metrics.counter('relay_audit_dismissed_total', 'Gaps a round found that its second read, once every replica was current, did not: late, not lost, not re-driven; by gap kind', ['kind']);
  const lastRead = metrics.gauge('relay_audit_last_round_timestamp_seconds', 'When the last round that read ran, Unix seconds');
  const took = metrics.gauge('relay_audit_round_seconds', 'How long the last round took (failed ones too): its reads, the wait for replicas and second read when it found something, the repair\'s wait');
  let lastReadAt = performance.now();
  const server = await startOpsServer({
    host: options.host,
    port: options.port,
    registry: metrics.registry,
    checks: { nats: () => bus.isConnected(), rounds: () => performance.now() - lastReadAt < 2 * options.everyMs + 60_000 },
  });
  return {
    port: server.port,
    record: (round) => {
      took.set(round.tookMs / 1000);
      const r = round.result;
      if (r === undefined) {
        rounds.inc({ outcome: 'failed' });
        return;
      }
      rounds.inc({ outcome: r.lost > 0 || r.duplicated > 0 ? 'findings' : 'clean' });
      lost.set(r.lost);
      duplicated.set(r.duplicated);
      asked.inc(round.repair?.asked ?? 0);
      repaired.inc(round.repair?.repaired ?? 0);
      for (const [kind, n] of Object.entries(round.repair?.dismissed ?? {})) dismissed.inc({ kind }, n);
      lastRead.set(round.at.getTime() / 1000);
      lastReadAt = performance.now();
    },
    stop: () => server.stop(),
  };
}
