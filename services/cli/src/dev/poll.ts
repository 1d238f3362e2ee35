/**
 * Polls `probe` every `intervalMs` until it returns something other than
 * `undefined` or `false`, and returns that. A probe that throws ends the wait
 * with its error (a process that exited while being waited for).
 * @throws Error naming `what` when `timeoutMs` passes first.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { readonly timeoutMs: number; readonly intervalMs?: number; readonly what: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${options.what} did not happen within ${Math.round(options.timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** True when GET `url` answers 2xx; false while nothing listens or it is not ready. */
export async function answersOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
