import type { Consumed } from '@relay/bus';
import { parseSubject, type StatusUpdate } from '@relay/wire';
import type { CaseStore } from './case-store.js';
import type { DecisionContext } from './decide-observation.js';
import { decideStatus, type StatusDecision } from './decide-status.js';
import { DispatcherErrorCode, RefusedMessageError } from './errors.js';

const CASE_ID = /^case_[0-9a-f]{32}$/;

/**
 * The consumer handler for `relay.status.<hotline>`. The subject names the
 * sender (NATS permissions let a hotline publish only on its own), so the
 * update must name the same hotline. The case is read fresh from KV: a
 * refusal must never rest on a stale cache.
 * @throws RefusedMessageError with a stable code (DLQ) for a status the dispatcher refuses.
 */
export function onStatus(store: CaseStore, context: () => DecisionContext) {
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
    await store.transact(
      u.caseId,
      (current) => {
        decision = decideStatus(current, u, ctx);
        return decision.kind === 'accept' ? decision.transition : undefined;
      },
      { fresh: true, traceparent: m.traceparent },
    );
    if (decision?.kind === 'refuse') throw new RefusedMessageError(decision.code, decision.message);
  };
}
