import type { Consumed } from '@relay/bus';
import type { CaseState } from '@relay/cases';
import { type HostingObservation, RecheckReason } from '@relay/wire';
import type { Apply } from './apply.js';
import { CrashEvent } from './crash-points.js';
import { caseIdOf, type DecisionContext, decideObservation } from './decide-observation.js';
import { DispatcherErrorCode, RefusedMessageError } from './errors.js';

/**
 * The consumer handler for `relay.hosting.<CC>`: checks the observation,
 * then decides, stores and publishes on its case (keyed on the normalised URL).
 * An observation made for a repair request (`relay audit --repair`, decision
 * 0154) is decided on the case as stored, not as cached, and the answer to a
 * repair request naming a case then has `repair` publish again what the
 * case's outbox holds.
 * @throws RefusedMessageError for an observation without URL, id or time (DLQ).
 * @throws DirectoryNotLoadedError (retryable) before a directory is stored.
 */
export function onObservation(apply: Apply, context: () => DecisionContext, consumer: string, repair?: (caseId: string) => Promise<void>) {
  return async (m: Consumed<HostingObservation>): Promise<void> => {
    const o = m.message;
    const missing = [!o.id && 'id', !o.normalizedUrl && 'normalized_url', !o.resolvedAt && 'resolved_at', !o.cause?.cause && 'cause'].filter(Boolean);
    if (missing.length) {
      throw new RefusedMessageError(DispatcherErrorCode.ObservationInvalid, `observation ${o.id || '(no id)'} lacks ${missing.join(', ')}`);
    }
    const ctx = context();
    const caseId = caseIdOf(o.normalizedUrl);
    let prior: CaseState | undefined;
    await apply(
      caseId,
      (current, tombstone) => {
        prior = current;
        return decideObservation(current, o, ctx, tombstone);
      },
      {
        traceparent: m.traceparent,
        // A repair's observation is decided on the case as stored: the store may have lost what the cache holds (decision 0154).
        fresh: o.repair,
        likelyNew: o.cause?.cause?.$case === 'report',
        cause: { consumer, seq: m.seq },
        event: (c) => {
          const before = prior?.routing;
          const after = c.state?.routing;
          if (!after) return undefined;
          if (!prior) return CrashEvent.NewCase;
          return before && before.epoch !== after.epoch ? CrashEvent.Relocation : undefined;
        },
      },
    );
    const cause = o.cause?.cause;
    if (repair && cause?.$case === 'recheck' && cause.value.reason === RecheckReason.RECHECK_REASON_REPAIR) await repair(caseId);
  };
}
