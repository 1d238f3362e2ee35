/** Settings of an endpoint's circuit breaker. */
export interface BreakerPolicy {
  /** Failed attempts in a row that open the circuit. */
  readonly failures: number;
  /** How long an open circuit sends nothing before one trial request, ms. */
  readonly openMs: number;
}

/** The state of one endpoint's circuit. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A circuit breaker per endpoint: while open, no case of that endpoint sends anything. */
export interface Breaker {
  /** Resolves when a request may go: at once when closed; when open, after `openMs`, to one trial request at a time. Rejects when `signal` aborts. */
  acquire(signal: AbortSignal): Promise<void>;
  /** The result of the request `acquire` allowed. */
  record(ok: boolean): void;
  state(): BreakerState;
}

const POLL_MS = 100;

/** A breaker with `policy`, on the clock `now`. */
export function createBreaker(policy: BreakerPolicy, now: () => number = Date.now): Breaker {
  let failures = 0;
  let openUntil = 0;
  let trial = false;
  const state = (): BreakerState => (failures < policy.failures ? 'closed' : trial || now() < openUntil ? 'open' : 'half-open');
  return {
    state,
    async acquire(signal) {
      for (;;) {
        signal.throwIfAborted();
        if (failures < policy.failures) return;
        if (!trial && now() >= openUntil) {
          trial = true;
          return;
        }
        const wait = Math.max(POLL_MS, Math.min(openUntil - now(), 1_000));
        await new Promise<void>((resolve) => {
          const onAbort = (): void => {
            clearTimeout(t);
            resolve();
          };
          const t = setTimeout(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          }, wait);
          signal.addEventListener('abort', onAbort, { once: true });
        });
      }
    },
    record(ok) {
      const wasTrial = trial;
      trial = false;
      if (ok) {
        failures = 0;
        return;
      }
      failures += 1;
      if (failures >= policy.failures && (wasTrial || now() >= openUntil)) openUntil = now() + policy.openMs;
    },
  };
}
