import { Audience, deriveId, type Notice, NoticeKind, subjects, type WaveHoster } from '@relay/wire';
import type { AudienceKey } from './move.js';
import { audiencesOf, type PendingRevision, sizeOf, type Wave } from './wave.js';

/** The `Relay-Origin` and msgId prefix of everything the watch publishes. */
export const ORIGIN = 'watch';

/**
 * At most this many case ids (and domains) in one notice: a wave of ten
 * thousand cases would not fit in a NATS message. `case_count` still says how
 * many there are; the recipient has each case's own referral or notice.
 */
export const MAX_LISTED = 2_000;

/** A wave notice to publish. */
export interface WaveNotice {
  readonly subject: string;
  /** `watch:<notice id>`. */
  readonly msgId: string;
  readonly notice: Notice;
}

function recipientOf(key: AudienceKey): { audience: Audience; country: string; hotline: string } | undefined {
  const [role, country, hotline] = key.split(':');
  if (!country) return undefined;
  if (role === 'hotline' && hotline) return { audience: Audience.AUDIENCE_HOTLINE, country, hotline };
  if (role === 'police') return { audience: Audience.AUDIENCE_POLICE, country, hotline: '' };
  if (role === 'authority') return { audience: Audience.AUDIENCE_AUTHORITY, country, hotline: '' };
  return undefined;
}

function hostersAfter(w: Wave): WaveHoster[] {
  const by = new Map<number, WaveHoster>();
  for (const c of Object.values(w.cases)) {
    const h = by.get(c.asn);
    if (h) h.cases++;
    else by.set(c.asn, { asn: c.asn, asOrganisation: c.org, country: w.to, cases: 1 });
  }
  return [...by.values()].sort((a, b) => b.cases - a.cases || a.asn - b.asn);
}

function summaryOf(w: Wave, cases: number, domains: number, final: boolean, listed: number): string {
  const hoster = `AS${w.asn}${w.asOrganisation ? ` ${w.asOrganisation}` : ''}`;
  const state = final ? 'The wave is complete.' : 'The wave is still growing; a later revision replaces this one.';
  return `${cases} open cases on ${domains} domains left ${hoster} in ${w.from} for ${w.to}. ${listed} of them are yours to know. ${state}`;
}

/**
 * The notices of one revision: one per audience that knows at least one of
 * the wave's cases, each listing only those cases (need to know). The id is
 * derived from the wave, the revision and the recipient, so publishing the
 * same revision again is absorbed as a duplicate.
 */
export function waveNotices(p: PendingRevision): WaveNotice[] {
  const w = p.wave;
  const size = sizeOf(w);
  const before: WaveHoster = { asn: w.asn, asOrganisation: w.asOrganisation, country: w.from, cases: size.cases };
  const after = hostersAfter(w);
  const out: WaveNotice[] = [];
  for (const key of audiencesOf(w)) {
    const r = recipientOf(key);
    if (!r) continue;
    const known = Object.entries(w.cases)
      .filter(([, c]) => c.knows.includes(key))
      .sort(([a], [b]) => a.localeCompare(b));
    const caseIds = known.map(([id]) => id).slice(0, MAX_LISTED);
    const domains = [...new Set(known.map(([, c]) => c.domain).filter((d) => d !== ''))].sort().slice(0, MAX_LISTED);
    const id = deriveId('ntc', w.id, p.revision, key);
    const notice: Notice = {
      id,
      kind: NoticeKind.NOTICE_KIND_HOSTER_RELOCATED,
      audience: r.audience,
      country: r.country,
      referralId: '',
      caseId: '',
      url: '',
      hostingBefore: undefined,
      hostingAfter: undefined,
      issuedAt: new Date(p.issuedAt),
      deadline: undefined,
      hotline: r.hotline,
      summary: summaryOf(w, size.cases, size.domains, p.final, known.length),
      files: undefined,
      wave: {
        waveId: w.id,
        revision: p.revision,
        final: p.final,
        countryFrom: w.from,
        countryTo: w.to,
        hosterBefore: before,
        hostersAfter: after,
        caseCount: size.cases,
        domainCount: size.domains,
        caseIds,
        domains,
        firstMoveAt: new Date(w.firstAt),
        lastMoveAt: new Date(w.lastAt),
      },
    };
    const subject =
      r.audience === Audience.AUDIENCE_HOTLINE
        ? subjects.notice(r.country, r.audience, NoticeKind.NOTICE_KIND_HOSTER_RELOCATED, r.hotline)
        : subjects.notice(r.country, r.audience, NoticeKind.NOTICE_KIND_HOSTER_RELOCATED);
    out.push({ subject, msgId: `${ORIGIN}:${id}`, notice });
  }
  return out;
}
