import { type Bus, isStoreFullError, type JsonBucket, openJsonBucket, type Versioned } from '@relay/bus';
import { KvBucket, RelayError } from '@relay/wire';
import { z } from 'zod';
import { type Problem, problem, Rule, storeFullProblem } from './problems.js';

/** Seconds a reporter should wait before resending after a 503. */
export const RETRY_AFTER_UNAVAILABLE_S = 5;

/**
 * The shared counts could not be read or written (NATS down, bucket
 * missing): the gateway refuses with 503 rather than admit without a limit.
 */
export class RateLimitUnavailableError extends RelayError {
  override name = 'RateLimitUnavailableError';

  constructor(cause: unknown) {
    super('rate-limit-unavailable', 'the shared rate limit cannot be checked, so nothing is accepted: retry later', { retryable: true, cause });
  }
}

/** True when `err` is a {@link RateLimitUnavailableError}. */
export function isRateLimitUnavailableError(err: unknown): err is RateLimitUnavailableError {
  return err instanceof RateLimitUnavailableError;
}

/** A limit of reports per source per window, for every transport and every gateway copy. */
export interface SourceRateLimiter {
  /**
   * Counts one report of `source` against `limit` per window.
   * @returns 0 when admitted, else the seconds until the window ends.
   * @throws RateLimitUnavailableError when the shared counts are unreachable.
   */
  take(source: string, limit: number): Promise<number>;
}

interface Count {
  readonly count: number;
}

const countSchema = z.object({ count: z.int().min(0) });

interface Waiter {
  resolve(admitted: boolean): void;
  reject(err: unknown): void;
}

interface KeyState {
  readonly window: number;
  /** Last value seen (a stale one only costs one lost compare-and-set). */
  known: { value: Count | undefined; revision: number };
  waiting: Waiter[];
  busy: boolean;
}

/**
 * A fixed-window limiter whose counts live in KV bucket `relay-rate-limits`,
 * one key `<source>.<window number>` per source and window, advanced by
 * compare-and-set, so the limit holds across every gateway copy on the same
 * NATS (decision 0093). Requests of one source that arrive while a write is
 * in flight are counted together in the next write: one compare-and-set in
 * flight per key and process, however many requests wait. A window already
 * full is answered from memory (counts only grow within a window). Windows
 * follow each gateway's clock: copies should run NTP.
 */
export function createSharedRateLimiter(bus: Bus, options: { readonly windowMs?: number; readonly now?: () => number } = {}): SourceRateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const states = new Map<string, KeyState>();
  let currentWindow = -1;
  let opening: Promise<JsonBucket<Count>> | undefined;
  const bucket = (): Promise<JsonBucket<Count>> =>
    (opening ??= openJsonBucket(bus, KvBucket.RateLimits, (raw) => countSchema.parse(raw)).catch((err: unknown) => {
      opening = undefined;
      throw err;
    }));

  const flush = async (key: string, state: KeyState, limit: number): Promise<void> => {
    state.busy = true;
    while (state.waiting.length > 0) {
      const batch = state.waiting.splice(0);
      try {
        if (!bus.isConnected()) throw new Error('not connected to NATS');
        const b = await bucket();
        let admitted = 0;
        const result: Versioned<Count> | undefined = await b.update(
          key,
          (current) => {
            const count = current?.count ?? 0;
            admitted = Math.max(0, Math.min(batch.length, limit - count));
            return admitted > 0 ? { count: count + admitted } : undefined;
          },
          20,
          state.known,
        );
        if (result) state.known = { value: result.value, revision: result.revision };
        batch.forEach((w, i) => w.resolve(i < admitted));
      } catch (err) {
        const unavailable = new RateLimitUnavailableError(err);
        for (const w of batch) w.reject(unavailable);
      }
    }
    state.busy = false;
  };

  return {
    async take(source, limit) {
      const t = now();
      const window = Math.floor(t / windowMs);
      if (window !== currentWindow) {
        currentWindow = window;
        for (const [key, state] of states) if (state.window < window && !state.busy) states.delete(key);
      }
      const key = `${source}.${window}`;
      let state = states.get(key);
      if (!state) {
        state = { window, known: { value: undefined, revision: 0 }, waiting: [], busy: false };
        states.set(key, state);
      }
      const s = state;
      const admitted = await new Promise<boolean>((resolve, reject) => {
        s.waiting.push({ resolve, reject });
        if (!s.busy) void flush(key, s, limit);
      });
      return admitted ? 0 : Math.max(1, Math.ceil(((window + 1) * windowMs - t) / 1000));
    },
  };
}

/** Why a source may not submit now, with the `Retry-After` to send. */
export interface Refusal {
  readonly problem: Problem;
  readonly retryAfterSeconds: number;
}

/**
 * Counts one submission of `source` against its limit per minute, the same
 * way for HTTP and NATS: undefined when admitted, else a 429 (limit reached)
 * or a 503 (the shared counts are unreachable: refused, never unlimited).
 */
export async function admitSource(limiter: SourceRateLimiter, source: string, limitPerMinute: number): Promise<Refusal | undefined> {
  let wait: number;
  try {
    wait = await limiter.take(source, limitPerMinute);
  } catch (err) {
    if (!isRateLimitUnavailableError(err)) throw err;
    if (isStoreFullError(err)) return { problem: storeFullProblem(), retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_S };
    return { problem: problem(503, Rule.Unavailable, err.message), retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_S };
  }
  if (wait === 0) return undefined;
  return {
    problem: problem(429, Rule.RateLimited, `more than ${limitPerMinute} reports per minute from this source; retry after ${wait} s`),
    retryAfterSeconds: wait,
  };
}
