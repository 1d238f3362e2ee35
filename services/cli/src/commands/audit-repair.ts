import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus } from '@relay/bus';
import type { CliContext } from '../context.js';
import { type AuditedOptions, auditBeforeActing } from '../operator/audit.js';
import { printTable } from '../output.js';
import { type Gap, GapKind, type Reconciliation } from '../reconcile/check.js';
import { reconcile, type ReconcileOptions } from '../reconcile/reconcile.js';
import { publishRepairs, repairable, repairRequests, repairTarget, targetsOf } from '../reconcile/repair.js';

/** What `relay audit --repair` did. */
export interface RepairSummary {
  /** Where the audit record is (`AUDIT:<seq>`); absent when there was nothing to repair. */
  readonly audit?: string;
  /** Repair requests sent: one per report URL without an observation or case, one per case with unpublished messages. */
  readonly asked: number;
  /** Of those, how many are accounted for now. */
  readonly repaired: number;
  /** Gaps of what was asked for, still there when the wait ended. */
  readonly left: readonly Gap[];
  /** Gaps `--repair` does not re-drive (a lost report, a referral or notice no outbox holds any more). */
  readonly notRepairable: number;
  /** What was asked for: `report:<id>:<url>` and `case:<id>` (see `repairTarget`). */
  readonly targets: readonly string[];
  /** `--follow`: gaps its first read found that a second read, once every replica was current, did not (late, not lost; not re-driven), by kind. */
  readonly dismissed?: Readonly<Partial<Record<GapKind, number>>>;
}

const POLL_MS = 500;
/** How many targets the audit record names (a partition can leave thousands; the counts say how many). */
const TARGETS_IN_RECORD = 20;

/**
 * Re-drives what the audit found missing and can be made again (decision
 * 0154): writes the audit record, sends the locator a repair request per
 * report URL without an observation or case and per case holding
 * unpublished messages, then audits again until what was asked for is accounted for
 * (observation, case, referral and notices) or `waitMs` has passed. Returns
 * the last reconciliation and what the repair did.
 */
export async function repairGaps(
  bus: Bus,
  ctx: CliContext,
  options: AuditedOptions,
  before: Reconciliation,
  scope: ReconcileOptions,
  waitMs: number,
): Promise<{ readonly after: Reconciliation; readonly summary: RepairSummary }> {
  const notRepairable = before.gaps.filter((g) => repairTarget(g) === undefined).length;
  const gaps = repairable(before.gaps);
  if (gaps.length === 0) return { after: before, summary: { asked: 0, targets: [], repaired: 0, left: [], notRepairable } };
  const count = (kind: GapKind): string => String(gaps.filter((g) => g.missing === kind).length);
  const audit = await auditBeforeActing(bus, ctx, options, {
    action: 'audit-repair',
    target: 'observations and cases missing, messages missing from cases\' outboxes',
    // The first targets (report:<id>:<url>, case:<id>), so the trail says what was re-driven, not only how much.
    details: { observations: count(GapKind.Observation), cases: count(GapKind.Case), outboxes: count(GapKind.Outbox), targets: gaps.slice(0, TARGETS_IN_RECORD).map((g) => repairTarget(g)).join(' ') },
  });
  const requests = repairRequests(gaps, audit.seq, new Date());
  await publishRepairs(bus, requests);
  const asked = new Set(requests.map((r) => r.target));
  const stillMissing = (r: Reconciliation): Gap[] => r.gaps.filter((g) => targetsOf(g).some((t) => asked.has(t)));
  let after = before;
  const until = performance.now() + waitMs;
  do {
    if (waitMs > 0) await sleep(POLL_MS);
    after = await reconcile(bus, scope);
  } while (stillMissing(after).length > 0 && performance.now() < until);
  const left = stillMissing(after);
  const open = new Set(left.flatMap(targetsOf));
  return {
    after,
    summary: { audit: `${audit.stream}:${audit.seq}`, asked: asked.size, targets: [...asked], repaired: [...asked].filter((t) => !open.has(t)).length, left, notRepairable },
  };
}

/** Prints what the repair did, before the reconciliation after it. */
export function printRepair(ctx: CliContext, s: RepairSummary): void {
  const others = s.notRepairable > 0 ? ` ${s.notRepairable} gap(s) of other kinds: docs/operations.md, "Repairing what the audit finds".` : '';
  const dismissed = Object.entries(s.dismissed ?? {});
  const late =
    dismissed.length > 0
      ? ` ${dismissed.map(([kind, n]) => `${n} ${kind}`).join(', ')} gap(s) found were gone on a second read once every replica was current (late, not lost): not re-driven.`
      : '';
  if (s.asked === 0) {
    ctx.out(`Repair: nothing --repair re-drives was missing.${late}${others}\n\n`);
    return;
  }
  ctx.out(`Repair: sent ${s.asked} repair request(s); ${s.repaired} accounted for now, ${s.asked - s.repaired} not yet. Audit record ${s.audit}.${late}${others}\n`);
  if (s.left.length > 0) printTable(ctx, ['report', 'url', 'missing', 'detail'], s.left.map((g) => [g.reportId, g.url, g.missing, g.detail]));
  ctx.out('\n');
}
