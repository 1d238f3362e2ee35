import { type Consumed, PoisonMessageError } from '@relay/bus';
import type { RecheckRequest } from '@relay/wire';
import { emitObservation } from './emit.js';
import { recheckCause, withCause } from './observation.js';
import type { HandlerDeps } from './on-report.js';

/**
 * The RECHECKS handler: a fresh observation of the case's URL, caused by the
 * recheck (id derived from URL and recheck id, so redelivery is a no-op).
 */
export function onRecheck(deps: HandlerDeps): (consumed: Consumed<RecheckRequest>) => Promise<void> {
  return async ({ message: recheck, origin, traceparent }) => {
    if (recheck.id === '' || recheck.url === '') throw new PoisonMessageError('recheck-invalid', 'recheck request has no id or no url');
    const observation = withCause(await deps.locate(recheck.url), recheck.id, recheckCause(recheck));
    const emitted = await emitObservation(deps.bus, observation, { origin: origin ?? 'dispatcher', traceparent });
    deps.observed?.(observation, emitted);
  };
}
