import { RelayType } from '@relay/wire';
import type { FeedEvent } from './feed.js';

/** Which field of a message carried an observation. */
export const ObservationRole = {
  /** A referral's `hosting`: the observation it was routed on. */
  RoutedOn: 'routed-on',
  /** A notice's `hostingBefore`: where the URL was before the event. */
  Before: 'before',
  /** A notice's `hostingAfter`: where the URL is since the event. */
  After: 'after',
} as const;
export type ObservationRole = (typeof ObservationRole)[keyof typeof ObservationRole];

/** Why the locator looked: a report (who sent it) or a recheck (and why it was asked for). */
export type ObservationCause =
  | { readonly kind: 'report'; readonly reportId: string; readonly source: string; readonly receivedAt?: string; readonly reporterCountry?: string }
  | { readonly kind: 'recheck'; readonly recheckId: string; readonly reason: string }
  | { readonly kind: 'unknown' };

/** A message of the case that carries the observation. */
export interface ObservationCarrier {
  readonly type: string;
  readonly id: string;
  /** The notice's kind (`NOTICE_KIND_CASE_MOVED_OUT`) or the referral's reason (`ROUTING_REASON_RELOCATED`). */
  readonly what: string;
  readonly role: ObservationRole;
}

/** One look at where the case's URL was hosted, as the tenant's own messages carry it. */
export interface CaseObservation {
  readonly id: string;
  /** When DNS was resolved (ISO); empty when the message did not say. */
  readonly resolvedAt: string;
  readonly host: string;
  /** ISO country of the server, or of the CDN operator for a masked host; empty when unknown. */
  readonly country: string;
  /** The network: AS number (0 when unknown) and its organisation. */
  readonly asn: number;
  readonly asOrganisation: string;
  /** The CDN or reverse proxy in front of the host; empty when none. */
  readonly cdn: string;
  /** `HOSTING_STATUS_LOCATED`, `..._MASKED`, `..._UNROUTABLE`, `..._UNRESOLVED`. */
  readonly status: string;
  /** `LOCATION_CONFIDENCE_AGREE` and so on. */
  readonly confidence: string;
  /** The addresses the host resolved to. */
  readonly addresses: readonly string[];
  readonly cause: ObservationCause;
  /** The case's messages that carry it, in the order they were stored. */
  readonly carriedBy: readonly ObservationCarrier[];
}

type Json = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const record = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);

function causeOf(json: Json | undefined): ObservationCause {
  const report = record(json?.['report']);
  if (report) {
    const receivedAt = text(report['receivedAt']);
    const reporterCountry = text(report['reporterCountry']);
    return {
      kind: 'report',
      reportId: text(report['reportId']),
      source: text(report['source']),
      ...(receivedAt === '' ? {} : { receivedAt }),
      ...(reporterCountry === '' ? {} : { reporterCountry }),
    };
  }
  const recheck = record(json?.['recheck']);
  if (recheck) return { kind: 'recheck', recheckId: text(recheck['recheckId']), reason: text(recheck['reason']) };
  return { kind: 'unknown' };
}

function observationOf(json: Json): Omit<CaseObservation, 'carriedBy'> {
  const addresses = Array.isArray(json['addresses']) ? json['addresses'].map((a) => text(record(a)?.['ip'])).filter((ip) => ip !== '') : [];
  return {
    id: text(json['id']),
    resolvedAt: text(json['resolvedAt']),
    host: text(json['host']),
    country: text(json['country']),
    asn: typeof json['asn'] === 'number' ? json['asn'] : 0,
    asOrganisation: text(json['asOrganisation']),
    cdn: text(json['cdn']),
    status: text(json['status']),
    confidence: text(json['confidence']),
    addresses,
    cause: causeOf(record(json['cause'])),
  };
}

/** The observations a message carries, with the field each came in. */
function carried(event: FeedEvent): { json: Json; role: ObservationRole; what: string; id: string }[] {
  const m = record(event.message);
  if (!m) return [];
  const id = text(m['id']);
  const found: { json: Json; role: ObservationRole; what: string; id: string }[] = [];
  const add = (v: unknown, role: ObservationRole, what: string): void => {
    const json = record(v);
    if (json) found.push({ json, role, what, id });
  };
  if (event.type === RelayType.Referral) add(m['hosting'], ObservationRole.RoutedOn, text(m['reason']));
  if (event.type === RelayType.Notice) {
    add(m['hostingBefore'], ObservationRole.Before, text(m['kind']));
    add(m['hostingAfter'], ObservationRole.After, text(m['kind']));
  }
  return found;
}

/**
 * Every observation the case's messages carry (a referral's `hosting`, a
 * notice's `hostingBefore` and `hostingAfter`), once each, oldest first, with
 * the messages that carry it. Only what the tenant's own messages hold: a
 * recheck that changed nothing sent the tenant nothing, so it is not here
 * (decision 0149).
 */
export function caseObservations(events: readonly FeedEvent[]): CaseObservation[] {
  const byKey = new Map<string, { observation: Omit<CaseObservation, 'carriedBy'>; carriedBy: ObservationCarrier[] }>();
  for (const event of events) {
    for (const c of carried(event)) {
      const observation = observationOf(c.json);
      // Observation ids are derived from the URL and the cause; a message without one is keyed by what it says.
      const key = observation.id !== '' ? observation.id : `${observation.resolvedAt}|${observation.host}|${observation.country}|${observation.asn}|${observation.cdn}`;
      const entry = byKey.get(key) ?? { observation, carriedBy: [] };
      entry.carriedBy.push({ type: event.type, id: c.id, what: c.what, role: c.role });
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()]
    .map(({ observation, carriedBy }) => ({ ...observation, carriedBy }))
    .sort((a, b) => a.resolvedAt.localeCompare(b.resolvedAt));
}
