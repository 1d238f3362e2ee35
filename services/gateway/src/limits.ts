import { RelayError } from '@relay/wire';

/** A source sent more reports in a minute than it may. Retryable after `retryAfterSeconds`. */
export class RateLimitedError extends RelayError {
  override name = 'RateLimitedError';
  readonly statusCode = 429;
  readonly retryAfterSeconds: number;

  constructor(limitPerMinute: number, retryAfterSeconds: number) {
    super('rate-limited', `more than ${limitPerMinute} reports per minute from this source; retry after ${retryAfterSeconds} s`, { retryable: true });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** True when `err` is a {@link RateLimitedError}. */
export function isRateLimitedError(err: unknown): err is RateLimitedError {
  return err instanceof RateLimitedError;
}

/** A per-key limit of events per fixed window. */
export interface WindowLimiter {
  /** Counts one event for `key`; returns seconds to wait when over `limit`, else 0. */
  take(key: string, limit: number): number;
}

/**
 * A fixed-window counter per key, for the NATS intake (HTTP uses
 * @fastify/rate-limit with the same numbers). Windows of keys not seen in the
 * current window are dropped, so memory stays bounded by active sources.
 */
export function createWindowLimiter(windowMs: number, now: () => number = Date.now): WindowLimiter {
  let windowStart = now();
  let counts = new Map<string, number>();
  return {
    take(key, limit) {
      const t = now();
      if (t - windowStart >= windowMs) {
        windowStart = t - ((t - windowStart) % windowMs);
        counts = new Map();
      }
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return n > limit ? Math.max(1, Math.ceil((windowStart + windowMs - t) / 1000)) : 0;
    },
  };
}
