import { describe, expect, it } from 'vitest';
import { checkSubjectFilter, isSubjectSubset } from './select.js';

describe('replay filters', () => {
  it('accepts only filters inside the stream', () => {
    expect(isSubjectSubset('relay.hosting.NL', 'relay.hosting.>')).toBe(true);
    expect(isSubjectSubset('relay.hosting.>', 'relay.hosting.>')).toBe(true);
    expect(isSubjectSubset('relay.*.NL', 'relay.hosting.>')).toBe(false);
    expect(isSubjectSubset('relay.hosting', 'relay.hosting.>')).toBe(false);
    expect(checkSubjectFilter('REFERRALS', 'relay.referral.*.eokm')).toBe('relay.referral.*.eokm');
    expect(() => checkSubjectFilter('REFERRALS', 'relay.referral.>.x')).toThrow('is not a NATS subject filter');
  });
});
