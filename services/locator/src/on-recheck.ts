import { type Consumed, PoisonMessageError } from '@relay/bus';
import { type RecheckRequest, RecheckReason } from '@relay/wire';
import { emitObservation } from './emit.js';
import { recheckCause, withCause } from './observation.js';
import { type RepairDeps, repairObservation } from './on-repair.js';

/**
 * The RECHECKS handler: a fresh observation of the case's URL, caused by the
 * recheck (id derived from URL and recheck id, so redelivery is a no-op).
 * A repair request that names a report instead observes the URL for that
 * report, as its own observation (on-repair.ts, decision 0154).
 */
export function onRecheck(deps: RepairDeps): (consumed: Consumed<RecheckRequest>) => Promise<void> {
  return async ({ message: recheck, origin, traceparent }) => {
    if (recheck.id === '' || recheck.url === '') throw new PoisonMessageError('recheck-invalid', 'recheck request has no id or no url');
    const repair = recheck.reason === RecheckReason.RECHECK_REASON_REPAIR;
    // A repair naming a report makes that report's lost observation; one naming only a case is answered as any recheck.
    if (repair && recheck.reportId !== '') return repairObservation(deps, recheck);
    const observation = { ...withCause(await deps.locate(recheck.url), recheck.id, recheckCause(recheck)), repair };
    const emitted = await emitObservation(deps.bus, observation, { origin: origin ?? 'dispatcher', traceparent });
    deps.observed?.(observation, emitted);
  };
}
