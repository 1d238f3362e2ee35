import { describe, expect, it } from 'vitest';
import { countryToken, isCountryCode, isKnownCountry, UNKNOWN_COUNTRY } from './index.js';

describe('country codes', () => {
  it('are two upper-case letters; XX is a code but not a known country', () => {
    for (const cc of ['NL', 'DE', UNKNOWN_COUNTRY]) expect(isCountryCode(cc)).toBe(true);
    for (const bad of ['nl', 'N', 'NLD', 'N1', ' NL', 'NL\n', '', 'ÄB']) expect(isCountryCode(bad)).toBe(false);
    expect(isKnownCountry('NL')).toBe(true);
    expect(isKnownCountry(UNKNOWN_COUNTRY)).toBe(false);
    expect(isKnownCountry('nl')).toBe(false);
  });

  it('are what a subject accepts as its country token', () => {
    expect(countryToken('NL')).toBe('NL');
    expect(() => countryToken('nl')).toThrow(/ISO 3166-1 alpha-2/);
  });
});
