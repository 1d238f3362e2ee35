import { type Directory, routeObservation } from '@relay/directory';
import { deriveId, type HostingObservation, messageFromJson, RecheckReason, RelayType } from '@relay/wire';
import type { CaseView } from './cases.js';

/** Where a case is routed: the country that must act and its recipient. */
export interface RouteEnd {
  readonly jurisdiction: string;
  readonly hotline: string;
}

/** What reroute finds for one case under the directory in force. */
export type RerouteFinding =
  /** An open case the directory now routes elsewhere: the dispatcher must re-decide it. */
  | { readonly kind: 'reroute'; readonly caseId: string; readonly url: string; readonly from: RouteEnd & { readonly referralId: string }; readonly to: RouteEnd }
  /** A closed case that would now go elsewhere: listed, never re-sent (only a new report reopens a case, decision 0032). */
  | { readonly kind: 'closed'; readonly caseId: string; readonly url: string; readonly from: RouteEnd & { readonly referralId: string }; readonly to: RouteEnd }
  /** The route is the same, or the case has no route to change. */
  | { readonly kind: 'unchanged'; readonly caseId: string };

/** An open case to ask the dispatcher to re-decide. */
export type ToReroute = Extract<RerouteFinding, { kind: 'reroute' }>;
/** A closed case that would now go elsewhere. */
export type ClosedElsewhere = Extract<RerouteFinding, { kind: 'closed' }>;

/** Which cases reroute looks at. */
export interface CaseFilter {
  /** Only cases whose current jurisdiction is this country. */
  readonly country?: string;
  /** Also closed cases whose current referral was issued at or after this time, ms. */
  readonly since?: number;
}

/** True for the cases reroute evaluates: every open routed case, and with `since` the recently referred closed ones. */
export function isSelected(c: CaseView, filter: CaseFilter): boolean {
  if (!c.routing) return false;
  if (filter.country !== undefined && c.routing.jurisdiction !== filter.country) return false;
  if (c.status === 'open') return true;
  return c.status === 'closed' && filter.since !== undefined && c.routing.issuedAt >= filter.since;
}

/**
 * Re-evaluates one case with the directory's own routing policy
 * (`routeObservation`, the function the dispatcher uses) on the observation
 * the case was last routed on. Pure; the decision itself stays the
 * dispatcher's: a finding only says whom to ask again.
 */
export function findReroute(c: CaseView, directory: Directory): RerouteFinding {
  const routing = c.routing;
  if (!routing) return { kind: 'unchanged', caseId: c.id };
  const route = routeObservation(hostingOf(c), directory, c.sources);
  if (route.kind === 'hold' || (route.jurisdiction === routing.jurisdiction && route.hotline === routing.hotline)) return { kind: 'unchanged', caseId: c.id };
  const from = { jurisdiction: routing.jurisdiction, hotline: routing.hotline, referralId: routing.referralId };
  const to = { jurisdiction: route.jurisdiction, hotline: route.hotline };
  return { kind: c.status === 'open' ? 'reroute' : 'closed', caseId: c.id, url: c.url, from, to };
}

/** The observation a case was last routed on. */
export function hostingOf(c: CaseView): HostingObservation {
  return messageFromJson(RelayType.HostingObservation, c.hosting);
}

/**
 * The observation that makes the dispatcher re-decide a case: the facts the
 * case was last routed on, re-issued as the answer to a MANUAL recheck, with
 * an id derived from the case and the audit record of this reroute, resolved
 * one millisecond after the case's latest observation. The dispatcher moves a
 * case only for a later observation (decision 0032), so this is the smallest
 * step that counts as newer, and it cannot overtake a real recheck resolved
 * later. A second one for the same case (a repeated or concurrent reroute) is
 * not newer than the first once that was applied, so it changes nothing.
 */
export function rerouteObservation(c: CaseView, auditSeq: number): HostingObservation {
  const recheckId = deriveId('rck', c.id, 'reroute', auditSeq);
  return {
    ...hostingOf(c),
    id: deriveId('obs', c.url, recheckId),
    normalizedUrl: c.url,
    resolvedAt: new Date(c.resolvedAt + 1),
    cause: { cause: { $case: 'recheck', value: { recheckId, caseId: c.id, reason: RecheckReason.RECHECK_REASON_MANUAL } } },
  };
}
