import { setTimeout as sleep } from 'node:timers/promises';
import { type Bus, isRetryable, type JsonBucket, publishMessage } from '@relay/bus';
import type { Directory } from '@relay/directory';
import { RelayType, subjects, UNKNOWN_COUNTRY } from '@relay/wire';
import { type CaseView, openCases } from './cases.js';
import type { DecisionTracker } from './decisions.js';
import { findReroute, rerouteObservation, type ToReroute } from './plan.js';

/** The `Relay-Origin` and msgId prefix of what an operator's tool publishes. */
export const OPERATOR_ORIGIN = 'operator';

/** Settings of {@link askDispatcher}. */
export interface AskOptions {
  /** The AUDIT sequence of this reroute: the re-route observations' ids derive from it (decision 0063). */
  readonly auditSeq: number;
  /** Cases read and published at once: the bound on acknowledgements awaited. */
  readonly window: number;
  /** Told of each case, before it is asked and after it was read. */
  readonly tracker?: DecisionTracker;
  /** Told how many cases were handled so far. */
  readonly progress: (handled: number) => void;
}

/** Attempts of one case read: a busy server can take longer than a request's timeout. */
const READ_ATTEMPTS = 5;

async function readCase(bucket: JsonBucket<CaseView | undefined>, caseId: string): Promise<CaseView | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await bucket.get(caseId))?.value;
    } catch (err) {
      if (!isRetryable(err) || attempt === READ_ATTEMPTS) throw err;
      await sleep(Math.min(2_000, 50 * 2 ** attempt));
    }
  }
}

/**
 * Asks the dispatcher to re-decide each case by publishing its re-route
 * observation (decision 0063), `window` cases in flight. Each case is read
 * again first: the observation is made from its latest value, and a case
 * that no longer needs it (decided meanwhile, closed, relocated) is not
 * asked. Returns how many observations were published.
 * @throws PublishError when one was not acknowledged, or the server's error
 *   when a case could not be read (it is safe to run reroute again).
 */
export async function askDispatcher(bus: Bus, cases: readonly ToReroute[], directory: Directory, options: AskOptions): Promise<number> {
  const bucket = await openCases(bus);
  let next = 0;
  let handled = 0;
  let published = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < cases.length && !failed) {
      const f = cases[next++]!;
      options.tracker?.expect(f.caseId, f.to);
      const c = await readCase(bucket, f.caseId);
      options.tracker?.seen(f.caseId, c);
      const now = c === undefined ? undefined : findReroute(c, directory);
      if (c && now?.kind === 'reroute' && now.to.hotline === f.to.hotline && now.to.jurisdiction === f.to.jurisdiction) {
        const o = rerouteObservation(c, options.auditSeq);
        await publishMessage(bus, subjects.hosting(o.country || UNKNOWN_COUNTRY), RelayType.HostingObservation, o, {
          msgId: `${OPERATOR_ORIGIN}:${o.id}`,
          origin: OPERATOR_ORIGIN,
        });
        published++;
      }
      options.progress(++handled);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(options.window, cases.length) }, () =>
      worker().catch((err: unknown) => {
        // The other workers stop at their next case: nothing is published after a refusal.
        failed = true;
        throw err;
      }),
    ),
  );
  return published;
}
