/** How failed sign-ins slow down the next attempt. */
export interface BackoffPolicy {
  /** Failures allowed without waiting. */
  readonly freeAttempts: number;
  /** Wait after the first failure beyond the free ones, ms; doubles with each further failure. */
  readonly baseMs: number;
  /** Longest wait, ms. */
  readonly maxMs: number;
  /** Failures older than this are forgotten, ms. */
  readonly forgetMs: number;
}

/** 3 free attempts, then 2 s doubling to 15 min; forgotten after a day. */
export const DEFAULT_BACKOFF: BackoffPolicy = { freeAttempts: 3, baseMs: 2_000, maxMs: 15 * 60_000, forgetMs: 24 * 3_600_000 };

/** Failed sign-ins per key (an account, an address) and the time until the next attempt is heard. */
export interface SignInBackoff {
  /** Ms to wait before `keys` may try again: the longest wait of any key; 0 when they may try now. */
  waitMs(keys: readonly string[]): number;
  failed(keys: readonly string[]): void;
  succeeded(keys: readonly string[]): void;
}

/** Backoff of failed sign-ins, in memory. */
export function createSignInBackoff(policy: BackoffPolicy = DEFAULT_BACKOFF, now: () => number = Date.now): SignInBackoff {
  const failures = new Map<string, { count: number; last: number }>();
  const current = (key: string): { count: number; last: number } | undefined => {
    const f = failures.get(key);
    if (f && now() - f.last > policy.forgetMs) {
      failures.delete(key);
      return undefined;
    }
    return f;
  };
  const waitOf = (key: string): number => {
    const f = current(key);
    if (!f || f.count < policy.freeAttempts) return 0;
    const wait = Math.min(policy.maxMs, policy.baseMs * 2 ** (f.count - policy.freeAttempts));
    return Math.max(0, f.last + wait - now());
  };
  return {
    waitMs: (keys) => Math.max(0, ...keys.map(waitOf)),
    failed: (keys) => {
      for (const key of keys) {
        const f = current(key);
        failures.set(key, { count: (f?.count ?? 0) + 1, last: now() });
      }
    },
    succeeded: (keys) => {
      for (const key of keys) failures.delete(key);
    },
  };
}
