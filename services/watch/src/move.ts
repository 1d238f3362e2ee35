import type { Directory } from '@relay/directory';
import { Audience, HostingStatus, type Notice, NoticeKind } from '@relay/wire';

/**
 * Who may know about a case, as a key: `hotline:<CC>:<id>`, `police:<CC>`,
 * `authority:<CC>`. A wave notice goes to each key that knows at least one
 * of the wave's cases and lists only those (need to know).
 */
export type AudienceKey = string;

/** The key of a hotline, a country's police or its removal authority. */
export const audienceKey = {
  hotline: (country: string, hotline: string): AudienceKey => `hotline:${country}:${hotline}`,
  police: (country: string): AudienceKey => `police:${country}`,
  authority: (country: string): AudienceKey => `authority:${country}`,
} as const;

/** One case leaving one hoster and country for another, as a relocation notice of the dispatcher tells it. */
export interface Move {
  readonly caseId: string;
  /** When the new hosting was observed, ms: the same on every notice of one relocation, so a replay groups alike. */
  readonly at: number;
  /** The country left and the country moved to. */
  readonly from: string;
  readonly to: string;
  /** The hoster left. */
  readonly asn: number;
  readonly asOrganisation: string;
  /** The hoster moved to. */
  readonly afterAsn: number;
  readonly afterOrganisation: string;
  /** Registrable domain of the site ('' for an IP literal). */
  readonly domain: string;
  /** Who this notice shows knowing the case. */
  readonly knows: readonly AudienceKey[];
}

/**
 * The move a notice of the dispatcher tells, or undefined when it tells none
 * a wave counts: only a located case that left one country for another
 * (not a reroute inside a country, not a move behind a CDN, whose country
 * is the CDN's). What each notice shows:
 * - the old hotline's CASE_MOVED_OUT: that hotline knew the case, and the new
 *   country's hotline got its referral (the directory's route for a located host);
 * - the old police's CASE_MOVED_OUT: that police knew it, and so may the old
 *   country's removal authority, whose remit is the hosters of its country;
 * - the new police's RELOCATION_IN: that police knows it.
 */
export function moveOf(n: Notice, directory: Directory | undefined): Move | undefined {
  const before = n.hostingBefore;
  const after = n.hostingAfter;
  if (!before || !after || n.caseId === '') return undefined;
  if (after.status !== HostingStatus.HOSTING_STATUS_LOCATED || after.cdn !== '') return undefined;
  const from = before.country;
  const to = after.country;
  if (from === '' || to === '' || from === to || before.asn === 0) return undefined;
  const knows: AudienceKey[] = [];
  if (n.kind === NoticeKind.NOTICE_KIND_CASE_MOVED_OUT && n.audience === Audience.AUDIENCE_HOTLINE && n.hotline !== '') {
    knows.push(audienceKey.hotline(n.country, n.hotline));
    const next = directory?.routingHotline(to);
    if (next) knows.push(audienceKey.hotline(next.country, next.id));
  } else if (n.kind === NoticeKind.NOTICE_KIND_CASE_MOVED_OUT && n.audience === Audience.AUDIENCE_POLICE && n.country === from) {
    knows.push(audienceKey.police(from));
    if (directory?.removalAuthority(from)) knows.push(audienceKey.authority(from));
  } else if (n.kind === NoticeKind.NOTICE_KIND_RELOCATION_IN && n.audience === Audience.AUDIENCE_POLICE && n.country === to) {
    knows.push(audienceKey.police(to));
  } else {
    return undefined;
  }
  return {
    caseId: n.caseId,
    at: after.resolvedAt?.getTime() ?? n.issuedAt?.getTime() ?? 0,
    from,
    to,
    asn: before.asn,
    asOrganisation: before.asOrganisation,
    afterAsn: after.asn,
    afterOrganisation: after.asOrganisation,
    domain: after.registrableDomain || before.registrableDomain,
    knows,
  };
}

/** The KV key of the waves of one hoster between two countries: `<asn>.<from>.<to>`. */
export function waveKeyOf(m: Pick<Move, 'asn' | 'from' | 'to'>): string {
  return `${m.asn}.${m.from}.${m.to}`;
}
