import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from './errors.js';

/** How often, and how far apart, a start-up request is tried while the broker is not ready. */
export interface StartRetry {
  /** Tries in all. Default 8 (about 20 s with the default delays). */
  readonly attempts?: number;
  /** Delay before the second try, ms; doubled each time up to 4 s. Default 250. */
  readonly firstDelayMs?: number;
}

/**
 * Runs a start-up request (creating or looking up a consumer), trying again
 * while it fails with what a retry can fix: a 3-node cluster that has just
 * formed or lost a node answers "JetStream system temporarily unavailable"
 * (503) or times out for some seconds. Anything else is thrown at once, and
 * the last failure after `attempts` tries.
 */
export async function whileStarting<T>(request: () => Promise<T>, retry: StartRetry = {}): Promise<T> {
  const attempts = retry.attempts ?? 8;
  let delay = retry.firstDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (!isRetryable(err) || attempt >= attempts) throw err;
      await sleep(delay);
      delay = Math.min(delay * 2, 4_000);
    }
  }
}
