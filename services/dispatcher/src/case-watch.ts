import { type Bus, openJsonBucket } from '@relay/bus';
import { CASE_ID, CaseStatus } from '@relay/cases';
import { KvBucket, RelayType } from '@relay/wire';
import { z } from 'zod';
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

/** What the dispatcher knows of the case bucket: its own writes at once, every replica's at start and at each resync. */
export interface CaseWatch {
  /** Tells the schedules about a case this process wrote (undefined: gone). Called by the store on every write (decision 0141). */
  track(caseId: string, value: ScheduleView | undefined): void;
  /** Case ids whose outbox has stayed unpublished longer than `stuckAfterMs` (their writer likely crashed). */
  stuck(): string[];
  stop(): void;
}

/** A {@link CaseWatch} that also reads every stored case on demand. */
export interface FollowedCases extends CaseWatch {
  /** Reads every stored case now (as at start and each resync); resolves when done. */
  resync(): Promise<void>;
}

/** What {@link followCases} keeps up to date. */
export interface CaseWatchParts {
  readonly index: RecheckIndex;
  readonly deadlines: DeadlineQueue;
  readonly log: DispatcherLog;
  readonly stuckAfterMs: number;
}

/**
 * The recheck index, the deadline queue and the stuck-outbox list, fed by
 * this process's own writes ({@link CaseWatch.track}, no delivery back from
 * the server) and by a read of every stored case at start and every
 * `resyncMs` (decision 0141): the other replicas' cases, so a replica that
 * is gone for good leaves no case unscheduled for longer than that.
 */
export function createCaseWatch(parts: CaseWatchParts): CaseWatch & { schedule(key: string, c: ScheduleView | undefined): void } {
  // Real time, not the injected clock: this is about crashed processes, not the domain.
  const pending = new Map<string, number>();
  const schedule = (key: string, c: ScheduleView | undefined): void => {
    if (!CASE_ID.test(key)) return;
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
  };
  return {
    schedule,
    track: schedule,
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
    stop: () => undefined,
  };
}

/**
 * Reads every stored case into `watch` now (in the background: start-up does
 * not wait for a million cases) and again every `resyncMs`. A case this
 * process holds a newer or the same revision of is left to its own writes.
 */
export async function followCases(bus: Bus, store: CaseStore, watch: ReturnType<typeof createCaseWatch>, parts: { log: DispatcherLog; resyncMs: number }): Promise<FollowedCases> {
  const bucket = await openJsonBucket<unknown>(bus, KvBucket.Cases);
  let running: Promise<void> | undefined;
  const load = async (): Promise<void> => {
    // Up to the cases stored when it began: under writes that never pause, a read until caught up would
    // follow them, delivering this process's own writes back to it (decision 0157). A case another
    // replica rewrites during the read, before the read reaches it, waits for the next resync.
    for await (const { key, value, revision } of await bucket.values({ untilStart: true })) {
      if (store.cachedRevision(key) >= revision) continue;
      const view = scheduleView.safeParse(value);
      if (!view.success) {
        parts.log.warn({ caseId: key, revision, err: view.error.message }, 'case value does not parse: not scheduled');
        continue;
      }
      store.observed(key, revision, value);
      watch.schedule(key, view.data);
    }
  };
  const resync = (): Promise<void> => {
    running ??= load()
      .catch((err: unknown) => parts.log.error({ err }, 'cannot read the case bucket: schedules follow this process’s writes until the next resync'))
      .finally(() => (running = undefined));
    return running;
  };
  void resync();
  const timer = setInterval(() => void resync(), parts.resyncMs);
  timer.unref();
  return {
    resync,
    track: (key, value) => watch.track(key, value),
    stuck: () => watch.stuck(),
    stop: () => clearInterval(timer),
  };
}
