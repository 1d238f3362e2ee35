import { applyRetention, type Bus } from '@relay/bus';

/** Settings of {@link scheduleRetention}. */
export interface RetentionSchedule {
  readonly afterMs: number;
  readonly key: Uint8Array;
  readonly intervalMs: number;
  readonly log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/**
 * Anonymises referrals and notices past their period at start and then every
 * `intervalMs` (decision 0006). Runs are idempotent, so every dispatcher
 * replica may run them. Returns a stop function that waits for a run in progress.
 */
export function scheduleRetention(bus: Bus, s: RetentionSchedule): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = (): void => {
    if (running || !bus.isConnected()) return;
    running = applyRetention(bus, { anonymiseAfterMs: s.afterMs, key: s.key })
      .then(
        (report) => {
          if (report.referrals + report.notices + report.skipped > 0) s.log.info({ ...report }, 'retention: anonymised into ARCHIVE');
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
