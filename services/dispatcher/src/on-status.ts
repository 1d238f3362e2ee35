import type { Consumed } from '@relay/bus';
import { CASE_ID } from '@relay/cases';
import { parseSubject, type StatusUpdate } from '@relay/wire';
import type { Apply } from './apply.js';
import { CrashEvent } from './crash-points.js';
import { statusDurable } from './status-consumers.js';
import type { DecisionContext } from './decide-observation.js';
import { decideStatus, type StatusDecision } from './decide-status.js';
import { DispatcherErrorCode, RefusedMessageError } from './errors.js';


/**
 * The consumer handler for `relay.status.<hotline>`. The subject names the
 * sender (NATS permissions let a hotline publish only on its own), so the
 * update must name the same hotline. The case is read fresh from KV: a
 * refusal must never rest on a stale cache.
 * @throws RefusedMessageError with a stable code (DLQ) for a status the dispatcher refuses.
 */
export function onStatus(apply: Apply, context: () => DecisionContext) {
  return async (m: Consumed<StatusUpdate>): Promise<void> => {
    const u = m.message;
    const subject = parseSubject(m.subject);
    const sender = subject.kind === 'status' ? subject.hotline : '';
    if (u.hotline !== sender) {
      throw new RefusedMessageError(DispatcherErrorCode.StatusHotlineMismatch, `status ${u.id} names hotline ${JSON.stringify(u.hotline)} but came on ${m.subject}`);
    }
    if (!u.id || !CASE_ID.test(u.caseId)) {
      throw new RefusedMessageError(DispatcherErrorCode.StatusInvalid, `status ${u.id || '(no id)'} lacks an id or a valid case id`);
    }
    const ctx = context();
    let decision: StatusDecision | undefined;
    await apply(
      u.caseId,
      (current) => {
        decision = decideStatus(current, u, ctx);
        return decision.kind === 'accept' ? decision.transition : undefined;
      },
      { fresh: true, traceparent: m.traceparent, cause: { consumer: statusDurable(sender), seq: m.seq }, event: () => CrashEvent.Status },
    );
    if (decision?.kind === 'refuse') throw new RefusedMessageError(decision.code, decision.message);
  };
}
