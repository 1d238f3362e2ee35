import type { Consumed } from '@relay/bus';
import type { HostingObservation } from '@relay/wire';
import type { CaseStore } from './case-store.js';
import { caseIdOf, type DecisionContext, decideObservation } from './decide-observation.js';
import { DispatcherErrorCode, RefusedMessageError } from './errors.js';

/**
 * The consumer handler for `relay.hosting.<CC>`: checks the observation,
 * then decides and applies on its case (keyed on the normalised URL).
 * @throws RefusedMessageError for an observation without URL, id or time (DLQ).
 * @throws DirectoryNotLoadedError (retryable) before a directory is stored.
 */
export function onObservation(store: CaseStore, context: () => DecisionContext) {
  return async (m: Consumed<HostingObservation>): Promise<void> => {
    const o = m.message;
    const missing = [!o.id && 'id', !o.normalizedUrl && 'normalized_url', !o.resolvedAt && 'resolved_at', !o.cause?.cause && 'cause'].filter(Boolean);
    if (missing.length) {
      throw new RefusedMessageError(DispatcherErrorCode.ObservationInvalid, `observation ${o.id || '(no id)'} lacks ${missing.join(', ')}`);
    }
    const ctx = context();
    await store.transact(caseIdOf(o.normalizedUrl), (current, tombstone) => decideObservation(current, o, ctx, tombstone), {
      traceparent: m.traceparent,
      likelyNew: o.cause?.cause?.$case === 'report',
    });
  };
}
