// What judging the cases rechecked in an audit's window costs (decision 0161): every open case is
// rechecked each interval, so a `relay audit --follow` round reads every open case. Run by the
// reroute suite on its N open cases, once its dispatcher is stopped: one recheck answer per case
// in HOSTING, then one round's reconciliation over them.
import { publishMessage } from '@relay/bus';
import { MESSAGES_BEFORE_WINDOW_MS, reconcile } from '@relay/cli';
import { deriveId, type HostingObservation, RecheckReason, RelayType, subjects } from '@relay/wire';
import type { BenchContext, Figure } from '../harness.js';

/**
 * Publishes `n` recheck answers (`answerOf(i)`: the locator's answer for the i-th case, made on
 * demand) to HOSTING, 512 in flight, then times one round's reconciliation over them.
 */
export async function auditRechecked(ctx: BenchContext, n: number, answerOf: (i: number) => HostingObservation): Promise<Figure[]> {
  const since = new Date();
  // Signed by the locator, as its answers are.
  const locator = await ctx.keys.connectAs('locator', ctx.natsUrl);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const o = answerOf(next++);
      await publishMessage(locator, subjects.hosting(o.country), RelayType.HostingObservation, o, { msgId: `locator:${o.id}`, origin: 'locator' });
    }
  };
  try {
    await Promise.all(Array.from({ length: 512 }, worker));
  } finally {
    await locator.close();
  }
  ctx.log(`published ${n} recheck answers; auditing them as a follower round would`);
  const started = performance.now();
  const r = await reconcile(ctx.bus, { since, messagesSince: new Date(since.getTime() - MESSAGES_BEFORE_WINDOW_MS), settleMs: 0 });
  const seconds = (performance.now() - started) / 1000;
  ctx.log(`audit of ${r.rechecked.cases} rechecked cases took ${seconds.toFixed(1)} s: ${r.lost} lost, ${r.duplicated} duplicated`);
  if (r.lost !== 0 || r.duplicated !== 0) throw new Error(`the audit of the rechecked cases found ${r.lost} lost and ${r.duplicated} duplicated: ${JSON.stringify(r.gaps.slice(0, 3))}`);
  return [
    { name: `follow round over ${n} rechecked open cases, no report in its window (decision 0161)`, value: seconds, unit: 's' },
    { name: 'rechecked cases judged per second', value: r.rechecked.cases / seconds, unit: '/s', target: `= ${n} judged`, met: r.rechecked.cases === n },
  ];
}

/** The locator's answer to a recheck of the case `observation` opened, found where it was. */
export function recheckAnswer(observation: HostingObservation, at: number): HostingObservation {
  const caseId = deriveId('case', observation.normalizedUrl);
  const recheckId = deriveId('rck', caseId, 1);
  return { ...observation, id: deriveId('obs', observation.normalizedUrl, recheckId), resolvedAt: new Date(at), cause: { cause: { $case: 'recheck', value: { recheckId, caseId, reason: RecheckReason.RECHECK_REASON_SCHEDULED } } } };
}
