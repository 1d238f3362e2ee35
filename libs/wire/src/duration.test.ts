import { describe, expect, it } from 'vitest';
import { durationSchema, parseDuration } from './index.js';

describe('parseDuration, the one duration parser', () => {
  it('reads each unit into milliseconds', () => {
    expect([parseDuration('250ms'), parseDuration('2s'), parseDuration('15m'), parseDuration('24h'), parseDuration('3d'), parseDuration('1.5s')]).toEqual([
      250, 2_000, 900_000, 86_400_000, 259_200_000, 1_500,
    ]);
  });

  it('refuses what is not a positive duration with a unit', () => {
    for (const bad of ['', '0s', '15', '2 minutes', '-1h', '1w', 'soon', ' 2s']) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it('as a schema, names the rule and the value it got', () => {
    expect(durationSchema.parse('90s')).toBe(90_000);
    const refused = durationSchema.safeParse('24 hours');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe('must be a duration like 500ms, 90s, 15m, 24h or 3d, above zero (got "24 hours")');
  });
});
