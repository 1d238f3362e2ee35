import ms from 'ms';
import { z } from 'zod';

const DURATION = /^\d+(\.\d+)?(ms|s|m|h|d)$/;

/**
 * Reads a duration like `15m`, `2s`, `24h`, `250ms` (units ms, s, m, h, d)
 * into milliseconds, or undefined when it is not a positive one. The only
 * duration parser of the relay: settings, CLI options and the directory's deadlines.
 */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  const value = ms(text as ms.StringValue);
  return Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
}

/** A zod schema for a positive duration string (`24h`), parsed to milliseconds. */
export const durationSchema = z.string().transform((text, ctx) => {
  const value = parseDuration(text);
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be a duration like 500ms, 90s, 15m, 24h or 3d, above zero (got ${JSON.stringify(text)})` });
    return z.NEVER;
  }
  return value;
});
