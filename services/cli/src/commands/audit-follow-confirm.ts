import { type Bus, replicasBehind } from '@relay/bus';
import { KvBucket, StreamName } from '@relay/wire';
import type { GapKind, Reconciliation } from '../reconcile/check.js';
import { reconcile, type ReconcileOptions } from '../reconcile/reconcile.js';
import { repairable, repairTarget } from '../reconcile/repair.js';

/** What a round reads: every replica of these must be current before it re-drives anything. */
const AUDITED = [StreamName.Reports, StreamName.Hosting, StreamName.Referrals, StreamName.Notices, StreamName.Dlq, `KV_${KvBucket.Cases}`];

/** How long a round waits for lagging replicas before it gives up and is tried again. */
export const CURRENT_WAIT_MS = 60_000;

/** Every replica of what a round reads was still not current after {@link CURRENT_WAIT_MS}: repairing now could re-drive what is only late. */
export class ReplicasBehindError extends Error {
  constructor(readonly behind: readonly string[]) {
    super(`not repairing while replicas are behind after ${CURRENT_WAIT_MS / 1000}s: ${behind.join('; ')}`);
    this.name = 'ReplicasBehindError';
  }
}

/** A round's findings confirmed by a second read. */
export interface Confirmed {
  /** The second reconciliation, whole: what the round reports. */
  readonly result: Reconciliation;
  /** The same, its gaps narrowed to those the first read also found (and those no repair re-drives): what the round repairs. */
  readonly toRepair: Reconciliation;
  /** Repairable gaps the first read found that the second did not (late, not lost), by kind. */
  readonly dismissed: Readonly<Partial<Record<GapKind, number>>>;
}

/**
 * Before a follow round re-drives what it found (decision 0156), waits until
 * every replica of the streams and the case bucket is current (right after
 * an election a restarted node is still catching up, and the pipeline with
 * it) and audits again; only a gap both reads found is re-driven. A gap the
 * second read does not show was in flight or late: re-driving it would only
 * load a cluster that is recovering. Throws {@link ReplicasBehindError} when
 * the replicas do not catch up in time: the round is then tried again. A
 * first read with nothing to re-drive is taken as it is (no wait, no second read).
 */
export async function confirmGaps(bus: Bus, found: Reconciliation, scope: ReconcileOptions, signal: AbortSignal): Promise<Confirmed> {
  const first = new Map(repairable(found.gaps).map((g) => [repairTarget(g) as string, g.missing]));
  if (first.size === 0) return { result: found, toRepair: found, dismissed: {} };
  const behind = await replicasBehind(bus, AUDITED, CURRENT_WAIT_MS, signal);
  if (behind.length > 0) throw new ReplicasBehindError(behind);
  const again = await reconcile(bus, scope);
  const gaps = again.gaps.filter((g) => {
    const target = repairTarget(g);
    return target === undefined || first.has(target);
  });
  const kept = new Set(repairable(gaps).map((g) => repairTarget(g) as string));
  const dismissed: Partial<Record<GapKind, number>> = {};
  for (const [target, kind] of first) if (!kept.has(target)) dismissed[kind] = (dismissed[kind] ?? 0) + 1;
  return { result: again, toRepair: { ...again, gaps }, dismissed };
}
