import type { CaseWatch } from './case-watch.js';
import type { Apply } from './apply.js';
import type { Clock } from './clock.js';
import type { DeadlineQueue } from './deadline-queue.js';
import { type DecisionContext } from './decide-observation.js';
import { decideEscalation, decideRecheck } from './decide-status.js';
import type { DispatcherLog } from './log.js';
import type { RecheckIndex } from './recheck-index.js';

/** What one scheduler tick did. */
export interface TickReport {
  readonly rechecked: number;
  readonly escalated: number;
  readonly recovered: number;
  readonly failed: number;
}

/** Runs rechecks, deadline escalations and outbox recovery on a timer. */
export interface Scheduler {
  /** Does what is due now; concurrent calls share one run. */
  tick(): Promise<TickReport>;
  /** Ticks every `tickMs` until {@link stop}. */
  start(tickMs: number): void;
  /** Stops the timer and waits for a running tick. */
  stop(): Promise<void>;
}

/** The parts a scheduler drives. */
export interface SchedulerParts {
  /** Decides, stores and publishes on a case (apply.ts). */
  readonly apply: Apply;
  /** Publishes and clears an outbox its writer left (outbox.ts). */
  readonly recover: (caseId: string) => Promise<number>;
  readonly index: RecheckIndex;
  readonly deadlines: DeadlineQueue;
  readonly watch: CaseWatch;
  readonly clock: Clock;
  /** The decision context now, or undefined while no directory is loaded. */
  readonly context: () => DecisionContext | undefined;
  /** Cases handled at once. */
  readonly concurrency: number;
  readonly log: DispatcherLog;
  /** Called after every tick (metrics). */
  readonly onTick?: (report: TickReport) => void;
}

/**
 * Creates the scheduler. Every replica runs one over the same index; a
 * recheck or escalation is claimed by compare-and-set on the case, so it
 * happens once however many replicas tick. Work that failed (a NATS hiccup)
 * is retried on the next tick; a recheck lost in a crash between claim and
 * publish comes round again one interval later (decision 0031).
 */
export function createScheduler(parts: SchedulerParts): Scheduler {
  let running: Promise<TickReport> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let retryRechecks = new Set<string>();
  let retryDeadlines = new Set<string>();
  let retryStuck = new Set<string>();

  const pool = async (ids: readonly string[], work: (id: string) => Promise<boolean>, failed: Set<string>): Promise<number> => {
    let done = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          if (await work(id)) done++;
        } catch (err) {
          failed.add(id);
          parts.log.warn({ err, caseId: id }, 'scheduled work failed: retrying next tick');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parts.concurrency, ids.length) }, worker));
    return done;
  };

  const run = async (): Promise<TickReport> => {
    const ctx = parts.context();
    const now = parts.clock.now();
    const rechecks = [...retryRechecks, ...parts.index.due(now)];
    if (!ctx) {
      // Without a directory nothing can be decided; keep what came due for later.
      retryRechecks = new Set(rechecks);
      return { rechecked: 0, escalated: 0, recovered: 0, failed: 0 };
    }
    const deadlines = [...retryDeadlines, ...parts.deadlines.popDue(now)];
    const stuck = [...retryStuck, ...parts.watch.stuck()];
    const failedRechecks = new Set<string>();
    const failedDeadlines = new Set<string>();
    const failedStuck = new Set<string>();
    // Nothing redelivers what a scheduler wrote: its escalation notices are cleared at once after publishing.
    const escalated = await pool(deadlines, async (id) => (await parts.apply(id, (c) => decideEscalation(c, ctx), { clear: true })).transition !== undefined, failedDeadlines);
    // A claim's write also drops what this process published of the case's outbox, and publishes what a crashed writer left.
    const rechecked = await pool(rechecks, async (id) => (await parts.apply(id, (c) => decideRecheck(c, ctx))).transition !== undefined, failedRechecks);
    const recovered = await pool(stuck, async (id) => (await parts.recover(id)) > 0, failedStuck);
    retryRechecks = failedRechecks;
    retryDeadlines = failedDeadlines;
    retryStuck = failedStuck;
    const report = { rechecked, escalated, recovered, failed: failedRechecks.size + failedDeadlines.size + failedStuck.size };
    parts.onTick?.(report);
    return report;
  };

  const tick = (): Promise<TickReport> => {
    running ??= run().finally(() => (running = undefined));
    return running;
  };

  return {
    tick,
    start: (tickMs) => {
      timer = setInterval(() => {
        if (!running) void tick().catch((err: unknown) => parts.log.error({ err }, 'scheduler tick failed'));
      }, tickMs);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
