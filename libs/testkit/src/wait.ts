/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this many ms. Default 10 s. */
  readonly timeoutMs?: number;
  /** Poll interval, ms. Default 20. */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message. */
  readonly what?: string;
}

/**
 * Polls `probe` until it returns something other than `undefined` or `false`,
 * and returns that. A probe that throws fails the wait at once.
 * @throws Error when `timeoutMs` passes first.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs ?? 10_000} ms waiting for ${options.what ?? 'a condition'}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
