import { describe, expect, it } from 'vitest';
import { hosterStatsCsv } from '../commands/stats-hosters.js';
import type { HosterFacts, HosterReferral } from './hoster-facts.js';
import { computeHosterStats, monthsBetween } from './hosters.js';

const HOUR = 3_600_000;
const MAR = Date.parse('2026-03-10T00:00:00Z');
const referral = (id: string, caseId: string, jurisdiction: string, asn: number, issuedAt: number, supersedes = '', domain = `${caseId}.nl`): HosterReferral => ({
  id,
  caseId,
  jurisdiction,
  hotline: jurisdiction === 'NL' ? 'eokm' : jurisdiction === 'DE' ? 'eco' : 'other',
  asn,
  asOrganisation: `AS${asn} org`,
  domain,
  issuedAt,
  supersedes,
});

const facts: HosterFacts = {
  referrals: [
    // Two cases of AS43350 in NL; a third removed there in 10 h before the hoster left.
    referral('r1', 'c1', 'NL', 43350, MAR - 30 * 24 * HOUR),
    referral('r2', 'c2', 'NL', 43350, MAR - 30 * 24 * HOUR, '', 'shared.nl'),
    referral('r0', 'c0', 'NL', 43350, MAR - 40 * 24 * HOUR),
    // Both move to DE in March; c1 is removed there in 4 h. c2 shares a domain with c3, which moves to FR.
    referral('r1b', 'c1', 'DE', 24940, MAR, 'r1'),
    referral('r2b', 'c2', 'DE', 24940, MAR, 'r2', 'shared.nl'),
    referral('r3', 'c3', 'NL', 60781, MAR - HOUR, '', 'shared.nl'),
    referral('r3b', 'c3', 'FR', 16276, MAR + HOUR, 'r3', 'shared.nl'),
    // A move into NL is not a move abroad.
    referral('r4', 'c4', 'DE', 24940, MAR - HOUR),
    referral('r4b', 'c4', 'NL', 43350, MAR, 'r4'),
  ],
  waves: [{ waveId: 'wave_1', revision: 3, from: 'NL', to: 'DE', asn: 43350, asOrganisation: 'AS43350 org', caseCount: 2, domainCount: 2, firstMoveAt: MAR }],
  removals: [
    { sender: 'eokm', referralId: 'r0', occurredAt: MAR - 40 * 24 * HOUR + 10 * HOUR },
    { sender: 'eco', referralId: 'r1b', occurredAt: MAR + 4 * HOUR },
    // Not the referral's hotline: does not count.
    { sender: 'eokm', referralId: 'r2b', occurredAt: MAR + HOUR },
  ],
};

describe('relay stats hosters figures', () => {
  it('count per month the hosters that left, the cases and domains moved abroad and where to, and removal before and after', () => {
    const s = computeHosterStats(facts, 'NL', '2026-02', '2026-03');
    expect(s.months.map((m) => m.month)).toEqual(['2026-02', '2026-03']);
    expect(s.months[0]).toMatchObject({ hostersDeparted: 0, casesMovedAbroad: 0, destinations: {} });
    expect(s.months[1]).toEqual({
      month: '2026-03',
      hostersDeparted: 1,
      hosters: [{ asn: 43350, asOrganisation: 'AS43350 org', to: 'DE', cases: 2, domains: 2 }],
      casesMovedAbroad: 3,
      domainsMovedAbroad: 2,
      destinations: { DE: 2, FR: 1 },
      timeToRemovalBefore: { count: 1, medianMs: 10 * HOUR },
      timeToRemovalAfter: { count: 1, medianMs: 4 * HOUR },
    });
  });

  it('give the same figures whatever order the facts were read in, and one CSV line per month', () => {
    const reversed: HosterFacts = { referrals: [...facts.referrals].reverse(), waves: facts.waves, removals: [...facts.removals].reverse() };
    expect(computeHosterStats(reversed, 'NL', '2026-02', '2026-03')).toEqual(computeHosterStats(facts, 'NL', '2026-02', '2026-03'));
    const csv = hosterStatsCsv(computeHosterStats(facts, 'NL', '2026-03', '2026-03')).trim().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toBe('2026-03,1,AS43350 AS43350 org>DE:2,3,2,DE:2 FR:1,36000000,1,14400000,1');
  });

  it('list every month of a range across a year end', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });
});
