import { type Bus, openJsonBucket } from '@relay/bus';
import { KvBucket, RelayType } from '@relay/wire';
import { z } from 'zod';
import { CaseStatus } from '@relay/cases';
import type { CaseStore } from './case-store.js';
import type { DeadlineQueue } from './deadline-queue.js';
import type { DispatcherLog } from './log.js';
import type { RecheckIndex } from './recheck-index.js';

/** The few fields of a case the schedules need; the rest is not parsed (a million cases at start). */
const scheduleView = z.object({
  status: z.enum([CaseStatus.Open, CaseStatus.Held, CaseStatus.Closed]),
  deadline: z.object({ dueAt: z.number(), escalated: z.boolean() }).optional(),
  outbox: z.array(z.object({ type: z.string(), cause: z.unknown().optional() }).loose()),
});

type ScheduleView = z.infer<typeof scheduleView>;

/** A running watch of the case bucket. */
export interface CaseWatch {
  /** Case ids whose outbox has stayed unpublished longer than `stuckAfterMs` (their writer likely crashed). */
  stuck(): string[];
  stop(): void;
}

/**
 * Follows every change of the case bucket (all replicas' writes, and at start
 * every stored case) into the recheck index, the deadline queue and the case
 * cache, and notes outboxes that nobody clears.
 */
export async function watchCases(
  bus: Bus,
  parts: { index: RecheckIndex; deadlines: DeadlineQueue; store: CaseStore; log: DispatcherLog; stuckAfterMs: number },
): Promise<CaseWatch> {
  const bucket = await openJsonBucket<unknown>(bus, KvBucket.Cases);
  const changes = await bucket.watch();
  // Real time, not the injected clock: this is about crashed processes, not the domain.
  const pending = new Map<string, number>();
  void (async () => {
    for await (const change of changes) {
      const { key, revision } = change;
      // This process's own writes are in the cache at exactly this revision: no parse.
      let c: ScheduleView | undefined = change.isPut ? parts.store.known(key, revision) : undefined;
      if (change.isPut && !c) {
        const value = change.value;
        parts.store.observed(key, revision, value);
        const view = scheduleView.safeParse(value);
        if (!view.success) {
          parts.log.warn({ caseId: key, revision, err: view.error.message }, 'case value does not parse: not scheduled');
          continue;
        }
        c = view.data;
      } else if (!change.isPut) {
        parts.store.observed(key, revision, undefined);
      }
      if (!/^case_[0-9a-f]{32}$/.test(key)) continue;
      if (!c || c.status === CaseStatus.Closed) {
        parts.index.remove(key);
        parts.deadlines.delete(key);
      } else {
        parts.index.add(key);
        if (c.deadline && !c.deadline.escalated) parts.deadlines.set(key, c.deadline.dueAt);
        else parts.deadlines.delete(key);
      }
      // Entries written on a consumed message come back with its redelivery if their writer crashes,
      // a recheck request with the case's next claim; they stay until the case's next write (decision 0140).
      // Only the others (escalations, entries stored before 0140) can be stuck.
      if (c && c.outbox.some((e) => e.cause === undefined && e.type !== RelayType.RecheckRequest)) {
        if (!pending.has(key)) pending.set(key, performance.now());
      } else {
        pending.delete(key);
      }
    }
  })();
  return {
    stuck: () => {
      const limit = performance.now() - parts.stuckAfterMs;
      const out: string[] = [];
      for (const [key, since] of pending) {
        if (since <= limit) {
          out.push(key);
          pending.delete(key);
        }
      }
      return out;
    },
    stop: () => changes.stop(),
  };
}
