import { type Bus, publishMessage } from '@relay/bus';
import { deriveId, type RecheckRequest, RecheckReason, RelayType, subjects, UNKNOWN_COUNTRY } from '@relay/wire';
import { OPERATOR_ORIGIN } from '../reroute/ask.js';
import { type Gap, GapKind } from './check.js';

/** Gaps re-driven through their report (an `outbox` gap through its case). */
const THROUGH_REPORT: ReadonlySet<GapKind> = new Set([GapKind.Observation, GapKind.Case]);

/**
 * What one repair request is about (decision 0154): `report:<id>:<url>` for a
 * report REPORTS holds whose URL has no observation in HOSTING, or an
 * observation but no case (the locator observes the URL again for that
 * report, and the dispatcher decides on it); `case:<id>` for a case holding
 * referrals or notices its streams do not (the locator observes the case's
 * URL; the dispatcher then publishes the outbox again). Undefined when
 * `--repair` cannot re-drive the gap: a report a sender holds a receipt for
 * is resent by the sender (decision 0153); the other kinds are for the
 * operator (docs/operations.md).
 */
export function repairTarget(g: Gap): string | undefined {
  if (THROUGH_REPORT.has(g.missing) && g.reportSeq > 0) return `report:${g.reportId}:${g.url}`;
  if (g.missing === GapKind.Outbox && g.caseId !== '') return `case:${g.caseId}`;
  return undefined;
}

/** The targets a gap concerns, whatever its kind: after a repair its report's URL or its case may show another gap while the pipeline works. */
export function targetsOf(g: Gap): string[] {
  return [`report:${g.reportId}:${g.url}`, ...(g.caseId === '' ? [] : [`case:${g.caseId}`])];
}

/** A request to the locator to observe one URL of one report, or one case's URL, again. */
export interface RepairRequest {
  readonly target: string;
  readonly gap: Gap;
  readonly subject: string;
  readonly msgId: string;
  readonly message: RecheckRequest;
}

/** One gap per target (several reports' gaps may name one case) that `--repair` can re-drive. */
export function repairable(gaps: readonly Gap[]): Gap[] {
  const seen = new Set<string>();
  return gaps.filter((g) => {
    const target = repairTarget(g);
    if (target === undefined || seen.has(target)) return false;
    seen.add(target);
    return true;
  });
}

/**
 * The repair requests for `gaps`, ids derived from the target and the run
 * (`relay audit --repair` passes the sequence of its AUDIT record): a later
 * run asks again, while what the locator and dispatcher make of a request
 * keeps its own derived ids, so every stream stores it once.
 */
export function repairRequests(gaps: readonly Gap[], run: number, now: Date): RepairRequest[] {
  return repairable(gaps).map((gap) => {
    const target = repairTarget(gap) as string;
    const id = deriveId('rck', target, 'repair', run);
    const ofReport = THROUGH_REPORT.has(gap.missing);
    return {
      target,
      gap,
      subject: subjects.recheck(UNKNOWN_COUNTRY),
      msgId: `${OPERATOR_ORIGIN}:${id}`,
      message: {
        id,
        caseId: gap.caseId,
        url: gap.url,
        reason: RecheckReason.RECHECK_REASON_REPAIR,
        sequence: 0n,
        requestedAt: now,
        reportId: ofReport ? gap.reportId : '',
        reportSeq: ofReport ? BigInt(gap.reportSeq) : 0n,
      },
    };
  });
}

/**
 * Publishes the requests on RECHECKS, `window` awaiting their acknowledgement
 * at once. Returns how many RECHECKS stored (a repeated id is not).
 * @throws PublishError when one was not acknowledged (running `--repair` again is safe).
 */
export async function publishRepairs(bus: Bus, requests: readonly RepairRequest[], window = 64): Promise<number> {
  let next = 0;
  let stored = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const r = requests[next++] as RepairRequest;
      const ack = await publishMessage(bus, r.subject, RelayType.RecheckRequest, r.message, { msgId: r.msgId, origin: OPERATOR_ORIGIN });
      if (!ack.duplicate) stored++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, requests.length) }, worker));
  return stored;
}
