import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Spaces work out to at most `perSecond` items a second (no limit when
 * undefined): call `await pace()` before each item. Keeps to the average
 * rate since the first item, so a slow stretch is not followed by a burst
 * larger than one second's worth. `now` and `wait` are injectable for tests.
 */
export function createPacer(
  perSecond: number | undefined,
  now: () => number = () => performance.now(),
  wait: (ms: number) => Promise<unknown> = (ms) => sleep(ms),
): () => Promise<void> {
  if (perSecond === undefined) return () => Promise.resolve();
  const interval = 1000 / perSecond;
  let next: number | undefined;
  return async () => {
    const t = now();
    next = next === undefined ? t : Math.max(next, t - 1000);
    const due = next - t;
    next += interval;
    if (due >= 1) await wait(due);
  };
}
