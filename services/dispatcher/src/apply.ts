import type { CaseState, CaseTombstone, OutboxCause } from '@relay/cases';
import type { CaseStore, Committed } from './case-store.js';
import { type CrashEvent, type CrashHook, CrashStage } from './crash-points.js';
import type { Transition } from './decide-observation.js';
import type { Outbox } from './outbox.js';

/** How one decision is applied. */
export interface ApplyOptions {
  /** Read KV, not the cache (refusals). */
  readonly fresh?: boolean;
  /** Try a create first when the case is not cached (a report of a new URL). */
  readonly likelyNew?: boolean;
  readonly traceparent?: string;
  /** The consumed message the decision answers (decision 0140). */
  readonly cause?: OutboxCause;
  /** Clear the outbox right after publishing (what a scheduler wrote: no redelivery brings it back). */
  readonly clear?: boolean;
  /** What the write was, for the crash points (tests only). */
  readonly event?: (committed: Committed) => CrashEvent | undefined;
}

/** Decides, stores, publishes: the two named steps in order, one case at a time in this process. */
export type Apply = (
  caseId: string,
  decide: (current: CaseState | undefined, tombstone?: CaseTombstone) => Transition | undefined,
  options?: ApplyOptions,
) => Promise<Committed>;

/**
 * Every change of a case goes through here (decisions 0031, 0140): 1. the
 * store writes the decision and its messages in one compare-and-set
 * (`store.transact`); 2. the outbox publishes them (`outbox.publish`),
 * with whatever a crashed writer left. The caller acks its message after.
 * Calls for one case are serialised, so its messages go out in order.
 */
export function applier(store: CaseStore, outbox: Outbox, crash?: CrashHook): Apply {
  const locks = new Map<string, Promise<void>>();
  const withLock = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = prev.then(() => mine);
    locks.set(key, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (locks.get(key) === chained) locks.delete(key);
    }
  };
  return (caseId, decide, options = {}) =>
    withLock(caseId, async () => {
      const committed = await store.transact(caseId, decide, options);
      const event = crash && committed.transition ? options.event?.(committed) : undefined;
      if (event) crash?.(event, CrashStage.Written);
      await outbox.publish(caseId, committed, { clear: options.clear === true });
      if (event) crash?.(event, CrashStage.Published);
      return committed;
    });
}
