import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { parseDurationOption, parseTimeOrDuration } from './time.js';

const NOW = new Date('2026-11-02T09:15:00Z');

describe('--since and --until', () => {
  it('reads a duration back from now or an ISO 8601 time', () => {
    expect(parseTimeOrDuration('--since', '2h', NOW).toISOString()).toBe('2026-11-02T07:15:00.000Z');
    expect(parseTimeOrDuration('--since', '3d', NOW).toISOString()).toBe('2026-10-30T09:15:00.000Z');
    expect(parseTimeOrDuration('--since', '2026-11-01T12:00:00Z', NOW).toISOString()).toBe('2026-11-01T12:00:00.000Z');
    expect(parseTimeOrDuration('--until', '2026-11-01', NOW).toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });

  it('names the option and the accepted forms when it is neither', () => {
    for (const bad of ['yesterday', '2h ago', '1700000000', '2026-13-45']) expect(() => parseTimeOrDuration('--since', bad, NOW), bad).toThrow(UsageError);
    expect(() => parseTimeOrDuration('--until', 'soon', NOW)).toThrow('--until: "soon" is neither a time');
  });

  it('reads durations, and 0 only where allowed', () => {
    expect(parseDurationOption('--wait', '30s')).toBe(30_000);
    expect(parseDurationOption('--wait', '0', true)).toBe(0);
    expect(() => parseDurationOption('--after', '0')).toThrow('--after: "0" is not a duration');
  });
});
