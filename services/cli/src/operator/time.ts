import { parseDuration } from '@relay/wire';
import { UsageError } from '../errors.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Reads a `--since`/`--until` value: an ISO 8601 time (`2026-11-02T09:15:00Z`,
 * `2026-11-02`) or a duration back from `now` (`90s`, `15m`, `24h`, `3d`).
 * @throws UsageError naming the option and what it accepts.
 */
export function parseTimeOrDuration(option: string, text: string, now: Date): Date {
  const ago = parseDuration(text);
  if (ago !== undefined) return new Date(now.getTime() - ago);
  if (ISO_TIME.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return new Date(at);
  }
  throw new UsageError(`${option}: ${JSON.stringify(text)} is neither a time (2026-11-02T09:15:00Z) nor a duration back from now (90s, 15m, 24h, 3d)`);
}

/**
 * Reads a positive duration option (`--after 30d`, `--wait 30s`), ms.
 * `0` is accepted when `allowZero`.
 * @throws UsageError
 */
export function parseDurationOption(option: string, text: string, allowZero = false): number {
  if (allowZero && text === '0') return 0;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${option}: ${JSON.stringify(text)} is not a duration like 90s, 15m, 24h or 30d`);
  return ms;
}
