import { applyRetention, type Bus, type ConsumerSpec } from '@relay/bus';
import type { DispatcherLog } from './log.js';

/** Settings of {@link scheduleRetention}. */
export interface RetentionSchedule {
  readonly afterMs: number;
  readonly key: Uint8Array;
  readonly intervalMs: number;
  /** The tenants' consumers of the directory in force; undefined until one is loaded (no run before). */
  readonly readers: () => readonly ConsumerSpec[] | undefined;
  readonly log: Pick<DispatcherLog, 'info' | 'warn' | 'error'>;
  /** Told after every run how many messages wait for each consumer (0 once it has acked them). */
  readonly onWaiting?: (consumer: string, messages: number) => void;
}

/**
 * Anonymises referrals, notices and statuses past their period at start and
 * then every `intervalMs` (decision 0106), never one a consumer has not
 * acknowledged: those wait, and each run logs "retention: waiting for
 * <consumer>". Runs are idempotent, so every dispatcher replica may run them.
 * Returns a stop function that waits for a run in progress.
 */
export function scheduleRetention(bus: Bus, s: RetentionSchedule): () => Promise<void> {
  let running: Promise<void> | undefined;
  let waitedFor = new Set<string>();
  const run = (): void => {
    if (running || !bus.isConnected()) return;
    const readers = s.readers();
    if (!readers) {
      s.log.info({}, 'retention: waiting for the directory (it names the tenants whose acks retention waits for)');
      return;
    }
    running = applyRetention(bus, { anonymiseAfterMs: s.afterMs, key: s.key, readers })
      .then(
        (report) => {
          const { waiting, ...counts } = report;
          if (counts.referrals + counts.notices + counts.statuses + counts.skipped > 0) s.log.info(counts, 'retention: anonymised into ARCHIVE');
          const now = new Set<string>();
          for (const w of waiting) {
            now.add(w.consumer);
            s.onWaiting?.(w.consumer, w.messages);
            const why = w.missing ? 'its consumer does not exist yet (relay topology apply makes it)' : 'it has not acknowledged them';
            s.log.warn({ ...w }, `retention: waiting for ${w.consumer}: ${w.messages} message(s) past the period stay until ${why}`);
          }
          for (const consumer of waitedFor) if (!now.has(consumer)) s.onWaiting?.(consumer, 0);
          waitedFor = now;
        },
        (err: unknown) => s.log.error({ err }, 'retention run failed; next run retries'),
      )
      .finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, s.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
