import { setFlagsFromString } from 'node:v8';

/** How far V8 may grow the old space past what survived the last full GC, percent (decision 0085). */
export const HEAP_GROWING_PERCENT = 20;

/**
 * Keeps a service's heap close to its live data: V8 then grows the old space
 * by {@link HEAP_GROWING_PERCENT} after each full GC instead of up to 4x. The
 * services hold little (tens of MB) but allocate fast under load, and V8's
 * default let the dispatcher reach 300 MiB RSS for 55 MB of live objects.
 * Call it first in a service's `main.ts`. A `--heap-growing-percent` given to
 * node on the command line wins.
 * @returns the percent in force, or undefined when the command line set it.
 */
export function keepHeapCompact(execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return undefined;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return HEAP_GROWING_PERCENT;
}
