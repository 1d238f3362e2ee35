import type { HosterFacts, HosterReferral } from './hoster-facts.js';

/** Time to removal of a set of referrals: how many were removed (CR/CU by their hotline) and the median, ms. */
export interface RemovalFigure {
  readonly count: number;
  readonly medianMs: number | null;
}

/** A hoster that left the country in a relocation wave. */
export interface DepartedHoster {
  readonly asn: number;
  readonly asOrganisation: string;
  readonly to: string;
  /** Cases of its wave(s) to that country. */
  readonly cases: number;
  readonly domains: number;
}

/** The figures of one month. */
export interface HosterMonth {
  /** `YYYY-MM` (UTC). */
  readonly month: string;
  /** Distinct hosters (AS numbers) with a relocation wave out of the country that started this month. */
  readonly hostersDeparted: number;
  readonly hosters: readonly DepartedHoster[];
  /** Distinct cases whose referral moved from the country to another this month. */
  readonly casesMovedAbroad: number;
  /** Distinct registrable domains of those cases. */
  readonly domainsMovedAbroad: number;
  /** Cases moved abroad per destination country. */
  readonly destinations: Readonly<Record<string, number>>;
  /** Removal of the departed hosters' referrals in the country, before they left. */
  readonly timeToRemovalBefore: RemovalFigure;
  /** Removal of this month's moved cases in their new country. */
  readonly timeToRemovalAfter: RemovalFigure;
}

/** `relay stats hosters` in full. */
export interface HosterStats {
  readonly country: string;
  readonly from: string;
  readonly to: string;
  readonly months: readonly HosterMonth[];
}

/** The definitions printed with the figures. */
export const HOSTER_STATS_DEFINITION =
  'A case moved abroad when a referral in another country superseded its referral in this one; a hoster departed when a relocation wave (HOSTER_RELOCATED, decision 0120) of its cases out of this country started that month. Time to removal: from the referral to its hotline\'s first CR or CU, before it was superseded.';

/** Every `YYYY-MM` from `from` to `to`, inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

function median(ms: number[]): RemovalFigure {
  if (ms.length === 0) return { count: 0, medianMs: null };
  const s = [...ms].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { count: s.length, medianMs: s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2 };
}

/**
 * The figures Parliament asked for (issue 18), per month of `from`..`to`
 * (`YYYY-MM`, UTC) for cases leaving `country`. Pure: the same facts give
 * the same figures, whatever order they were read in.
 */
export function computeHosterStats(facts: HosterFacts, country: string, from: string, to: string): HosterStats {
  const byId = new Map(facts.referrals.map((r) => [r.id, r]));
  const supersededAt = new Map<string, number>();
  for (const r of facts.referrals) {
    if (r.supersedes === '') continue;
    const at = supersededAt.get(r.supersedes);
    if (at === undefined || r.issuedAt < at) supersededAt.set(r.supersedes, r.issuedAt);
  }
  const removedAt = new Map<string, number>();
  for (const s of facts.removals) {
    const r = byId.get(s.referralId);
    if (!r || r.hotline !== s.sender) continue;
    const cut = supersededAt.get(r.id);
    if (cut !== undefined && s.occurredAt >= cut) continue;
    const at = removedAt.get(r.id);
    if (at === undefined || s.occurredAt < at) removedAt.set(r.id, s.occurredAt);
  }
  const removal = (r: HosterReferral): number | undefined => {
    const at = removedAt.get(r.id);
    return at === undefined ? undefined : Math.max(0, at - r.issuedAt);
  };

  const months = monthsBetween(from, to);
  const rows = new Map(months.map((m) => [m, { cases: new Set<string>(), domains: new Set<string>(), destinations: new Map<string, Set<string>>(), after: [] as number[] }]));
  for (const r of facts.referrals) {
    const prev = r.supersedes === '' ? undefined : byId.get(r.supersedes);
    if (!prev || prev.jurisdiction !== country || r.jurisdiction === country) continue;
    const row = rows.get(monthOf(r.issuedAt));
    if (!row) continue;
    row.cases.add(r.caseId);
    const domain = prev.domain || r.domain;
    if (domain !== '') row.domains.add(domain);
    const dest = row.destinations.get(r.jurisdiction) ?? new Set<string>();
    dest.add(r.caseId);
    row.destinations.set(r.jurisdiction, dest);
    const t = removal(r);
    if (t !== undefined) row.after.push(t);
  }
  return {
    country,
    from,
    to,
    months: months.map((month) => {
      const row = rows.get(month)!;
      const waves = facts.waves.filter((w) => w.from === country && monthOf(w.firstMoveAt) === month);
      const hosters = new Map<string, DepartedHoster>();
      for (const w of waves) {
        const key = `${w.asn}>${w.to}`;
        const h = hosters.get(key);
        hosters.set(key, { asn: w.asn, asOrganisation: w.asOrganisation, to: w.to, cases: (h?.cases ?? 0) + w.caseCount, domains: (h?.domains ?? 0) + w.domainCount });
      }
      const departed = new Set(waves.map((w) => w.asn));
      const departedAt = (asn: number): number => Math.min(...waves.filter((w) => w.asn === asn).map((w) => w.firstMoveAt));
      const before = facts.referrals
        .filter((r) => r.jurisdiction === country && departed.has(r.asn) && r.issuedAt < departedAt(r.asn))
        .map(removal)
        .filter((t): t is number => t !== undefined);
      return {
        month,
        hostersDeparted: departed.size,
        hosters: [...hosters.values()].sort((a, b) => b.cases - a.cases || a.asn - b.asn || a.to.localeCompare(b.to)),
        casesMovedAbroad: row.cases.size,
        domainsMovedAbroad: row.domains.size,
        destinations: Object.fromEntries([...row.destinations.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([cc, cases]) => [cc, cases.size])),
        timeToRemovalBefore: median(before),
        timeToRemovalAfter: median(row.after),
      };
    }),
  };
}
