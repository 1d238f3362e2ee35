import { parseDuration } from '@relay/directory';
import { UsageError } from '../errors.js';

/**
 * Reads a `--since` value: an ISO 8601 time (`2026-11-02T08:00:00Z`, `2026-11-02`)
 * or a duration back from `now` (`90s`, `15m`, `2h`, `3d`).
 * @throws UsageError for anything else, with examples.
 */
export function parseSince(text: string, now: Date = new Date()): Date {
  const duration = parseDuration(text.trim());
  if (duration !== undefined) return new Date(now.getTime() - duration);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const time = Date.parse(text.trim());
    if (Number.isFinite(time)) return new Date(time);
  }
  throw new UsageError(`--since ${JSON.stringify(text)} is neither a time nor a duration: use e.g. 2026-11-02T08:00:00Z, 15m or 2h`);
}
