/** How a failed webhook is retried. */
export interface RetryPolicy {
  /** Wait before the second attempt, ms; doubled per attempt. */
  readonly initialMs: number;
  /** Longest wait between attempts, ms. */
  readonly maxDelayMs: number;
  /** After this long since the relay stored it, a message that still fails goes to the DLQ, ms. */
  readonly maxAgeMs: number;
}

/**
 * The wait before attempt `attempt + 1` after `attempt` failures: exponential
 * (`initialMs * 2^(attempt-1)`, capped at `maxDelayMs`) with jitter over its
 * upper half, so endpoints that failed together do not retry together.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
