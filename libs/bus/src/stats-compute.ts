import { StatusAction } from '@relay/wire';
import type { Facts, ReferralFact, StatusFact } from './stats-facts.js';

const DAY = 24 * 60 * 60 * 1000;

/** How figures are grouped. */
export type StatsGrouping = 'country' | 'hoster';

/** Time from a referral being issued to its hotline reporting the content removed (CR) or unavailable (CU), ms. */
export interface RemovalTimes {
  /** Referrals with such a status. */
  readonly count: number;
  readonly medianMs: number | null;
  readonly meanMs: number | null;
  /** 90th percentile, nearest rank. */
  readonly p90Ms: number | null;
  /** Removed in less than 3 days (INHOPE's usual bucket). */
  readonly under3Days: number;
}

/** The figures of one country or hoster. */
export interface StatsRow {
  /** Country code, or AS organisation ('(unknown)' when the referral has none). */
  readonly key: string;
  readonly referrals: number;
  readonly notices: number;
  /** First closing status CR or CU. */
  readonly removed: number;
  /** First closing status NI. */
  readonly notIllegal: number;
  /** Superseded by a referral to another hotline (relocation, reroute) before any closing status. */
  readonly moved: number;
  /** None of the above. */
  readonly open: number;
  readonly timeToRemoval: RemovalTimes;
}

/** Every figure, per group and in total. */
export interface Stats {
  readonly by: StatsGrouping;
  /** Only referrals and notices issued at or after this time (ISO), when set. */
  readonly since: string | null;
  readonly rows: readonly StatsRow[];
  readonly total: StatsRow;
}

const CLOSING: ReadonlySet<StatusAction> = new Set([StatusAction.STATUS_ACTION_CR, StatusAction.STATUS_ACTION_CU, StatusAction.STATUS_ACTION_NI]);

type Outcome = { readonly kind: 'removed'; readonly ms: number } | { readonly kind: 'not-illegal' | 'moved' | 'open' };

/**
 * The outcome of one referral: its first closing status (CR, CU or NI) sent
 * by the hotline it was routed to, on that hotline's own subject, before any
 * referral superseded it; else moved if superseded; else open. Statuses from
 * anyone else are not the hotline's word and do not count (the dispatcher
 * refuses them too).
 */
function outcomeOf(r: ReferralFact, statuses: readonly StatusFact[], supersededAt: number | undefined): Outcome {
  let first: StatusFact | undefined;
  for (const s of statuses) {
    if (!CLOSING.has(s.action) || s.sender !== r.hotline || s.hotline !== r.hotline) continue;
    if (supersededAt !== undefined && s.occurredAt >= supersededAt) continue;
    if (!first || s.occurredAt < first.occurredAt) first = s;
  }
  if (first) {
    if (first.action === StatusAction.STATUS_ACTION_NI) return { kind: 'not-illegal' };
    // A status dated before the referral (clock skew between systems) counts as immediate.
    return { kind: 'removed', ms: Math.max(0, first.occurredAt - r.issuedAt) };
  }
  return supersededAt === undefined ? { kind: 'open' } : { kind: 'moved' };
}

function removalTimes(ms: number[]): RemovalTimes {
  const sorted = [...ms].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { count: 0, medianMs: null, meanMs: null, p90Ms: null, under3Days: 0 };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    count: n,
    medianMs: median,
    meanMs: sorted.reduce((a, b) => a + b, 0) / n,
    p90Ms: sorted[Math.ceil(0.9 * n) - 1]!,
    under3Days: sorted.filter((x) => x < 3 * DAY).length,
  };
}

interface Tally {
  referrals: number;
  notices: number;
  removed: number;
  notIllegal: number;
  moved: number;
  open: number;
  times: number[];
}

const emptyTally = (): Tally => ({ referrals: 0, notices: 0, removed: 0, notIllegal: 0, moved: 0, open: 0, times: [] });

function count(t: Tally, o: Outcome): void {
  t.referrals++;
  switch (o.kind) {
    case 'removed':
      t.removed++;
      t.times.push(o.ms);
      break;
    case 'not-illegal':
      t.notIllegal++;
      break;
    case 'moved':
      t.moved++;
      break;
    case 'open':
      t.open++;
      break;
  }
}

const rowOf = (key: string, t: Tally): StatsRow => ({
  key,
  referrals: t.referrals,
  notices: t.notices,
  removed: t.removed,
  notIllegal: t.notIllegal,
  moved: t.moved,
  open: t.open,
  timeToRemoval: removalTimes(t.times),
});

/**
 * Referrals, notices and time to removal per country (the referral's
 * jurisdiction, the notice's recipient country) or per hoster (the AS
 * organisation the referral was routed on, the notice's hoster after the
 * event). Pure: the same facts always give the same figures.
 */
export function computeStats(facts: Facts, by: StatsGrouping, since?: Date): Stats {
  const from = since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const supersededAt = new Map<string, number>();
  for (const r of facts.referrals) {
    if (r.supersedes === '') continue;
    const at = supersededAt.get(r.supersedes);
    if (at === undefined || r.issuedAt < at) supersededAt.set(r.supersedes, r.issuedAt);
  }
  const byReferral = new Map<string, StatusFact[]>();
  for (const s of facts.statuses) {
    const list = byReferral.get(s.referralId);
    if (list) list.push(s);
    else byReferral.set(s.referralId, [s]);
  }

  const groups = new Map<string, Tally>();
  const total = emptyTally();
  const group = (key: string): Tally => {
    const k = key === '' ? '(unknown)' : key;
    let t = groups.get(k);
    if (!t) groups.set(k, (t = emptyTally()));
    return t;
  };
  for (const r of facts.referrals) {
    if (r.issuedAt < from) continue;
    const o = outcomeOf(r, byReferral.get(r.id) ?? [], supersededAt.get(r.id));
    count(group(by === 'country' ? r.jurisdiction : r.hoster), o);
    count(total, o);
  }
  for (const n of facts.notices) {
    if (n.issuedAt < from) continue;
    group(by === 'country' ? n.country : n.hoster).notices++;
    total.notices++;
  }
  const rows = [...groups.entries()].map(([key, t]) => rowOf(key, t)).sort((a, b) => b.referrals - a.referrals || b.notices - a.notices || a.key.localeCompare(b.key));
  return { by, since: since?.toISOString() ?? null, rows, total: rowOf('total', total) };
}
