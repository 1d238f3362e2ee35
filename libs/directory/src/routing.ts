import { Audience, type HostingObservation, HostingStatus, isKnownCountry, NoticeKind, RoutingReason } from '@relay/wire';
import type { Directory } from './directory.js';

/** One notice a routing decision calls for. */
export interface NoticeTarget {
  readonly kind: NoticeKind;
  readonly audience: Audience;
  /** Country in the notice subject: the recipient's country. */
  readonly country: string;
  /** Recipient hotline id when `audience` is HOTLINE. */
  readonly hotline?: string;
}

/** Why a case cannot be routed yet. */
export const HoldReason = {
  Unroutable: 'unroutable',
  Unresolved: 'unresolved',
  UnknownCountry: 'unknown-country',
} as const;
export type HoldReason = (typeof HoldReason)[keyof typeof HoldReason];

/** Where a case must go, by the directory. */
export type Route =
  | {
      readonly kind: 'refer';
      /** The country whose hotline (or fallback) must act: subject `<cc>` of the referral. */
      readonly jurisdiction: string;
      /** Recipient id: a hotline, or the fallback recipient. */
      readonly hotline: string;
      /** Country of the recipient for hotline notices (the jurisdiction for the fallback). */
      readonly hotlineCountry: string;
      readonly reason: RoutingReason;
      /** True when the recipient is the directory's fallback, not a hotline of the country. */
      readonly fallback: boolean;
      /** Notices that go with the referral. */
      readonly notices: readonly NoticeTarget[];
    }
  | { readonly kind: 'hold'; readonly reason: HoldReason };

/**
 * The routing policy, a pure function of an observation and the directory:
 * - located in a country with a routable hotline: that hotline (HOSTED_IN) and
 *   a police notice for the country;
 * - masked by a CDN: the hotline of the CDN operator's country (CDN_MASKED)
 *   with a CDN-origin-request notice;
 * - no routable hotline in the country: the directory's fallback recipient
 *   (NO_HOTLINE_FALLBACK) and a no-hotline notice to the reporting hotline
 *   (the first of `reportingSources` that is a confirmed hotline);
 * - unroutable, unresolved or without a country: hold (the case waits for a
 *   recheck; it is never dropped).
 */
export function routeObservation(observation: HostingObservation, directory: Directory, reportingSources: readonly string[]): Route {
  const cc = observation.country;
  const known = isKnownCountry(cc);
  switch (observation.status) {
    case HostingStatus.HOSTING_STATUS_UNROUTABLE:
      return { kind: 'hold', reason: HoldReason.Unroutable };
    case HostingStatus.HOSTING_STATUS_LOCATED:
    case HostingStatus.HOSTING_STATUS_MASKED:
      break;
    case HostingStatus.HOSTING_STATUS_UNRESOLVED:
    case HostingStatus.HOSTING_STATUS_UNSPECIFIED:
    case HostingStatus.UNRECOGNIZED:
      return { kind: 'hold', reason: HoldReason.Unresolved };
  }
  if (!known) return { kind: 'hold', reason: HoldReason.UnknownCountry };

  const masked = observation.status === HostingStatus.HOSTING_STATUS_MASKED;
  const hotline = directory.routingHotline(cc);
  if (hotline) {
    const notices: NoticeTarget[] = masked
      ? [{ kind: NoticeKind.NOTICE_KIND_CDN_ORIGIN_REQUEST, audience: Audience.AUDIENCE_HOTLINE, country: hotline.country, hotline: hotline.id }]
      : [{ kind: NoticeKind.NOTICE_KIND_POLICE_REFERRAL, audience: Audience.AUDIENCE_POLICE, country: cc }];
    return {
      kind: 'refer',
      jurisdiction: cc,
      hotline: hotline.id,
      hotlineCountry: hotline.country,
      reason: masked ? RoutingReason.ROUTING_REASON_CDN_MASKED : RoutingReason.ROUTING_REASON_HOSTED_IN,
      fallback: false,
      notices,
    };
  }

  const recipient = directory.data.fallback.recipient;
  const notices: NoticeTarget[] = [];
  if (masked) {
    notices.push({ kind: NoticeKind.NOTICE_KIND_CDN_ORIGIN_REQUEST, audience: Audience.AUDIENCE_HOTLINE, country: cc, hotline: recipient });
  }
  // An unconfirmed hotline has no consumer to read a notice (decision 0091).
  const reporter = reportingSources.map((s) => directory.hotline(s)).find((h) => h !== undefined && directory.confirmed(h.id));
  if (reporter) {
    notices.push({ kind: NoticeKind.NOTICE_KIND_NO_HOTLINE, audience: Audience.AUDIENCE_HOTLINE, country: reporter.country, hotline: reporter.id });
  }
  return {
    kind: 'refer',
    jurisdiction: cc,
    hotline: recipient,
    // No hotline of this country exists to read its hotline notices, so the
    // fallback recipient's notices are addressed under it (decision 0030).
    hotlineCountry: cc,
    reason: RoutingReason.ROUTING_REASON_NO_HOTLINE_FALLBACK,
    fallback: true,
    notices,
  };
}
