import type { Bus, JsonBucket } from '@relay/bus';
import { type CaseRouteView, caseRouteViewSchema, isTombstoneValue, openCaseView } from '@relay/cases';

/**
 * The part of a dispatcher case (KV `relay-cases`) that reroute reads: a view
 * picked from the one case schema of @relay/cases (decision 0140), letting
 * every other field through untouched.
 */
export const caseViewSchema = caseRouteViewSchema;

/** A case as reroute sees it. */
export type CaseView = CaseRouteView;

/**
 * True for the tombstone of a case closed for longer than the retention
 * period (decision 0118): no URL, nothing to reroute or to audit.
 */
export const isCaseTombstone = isTombstoneValue;

/** Opens the case bucket for reading through {@link caseViewSchema}; a tombstone reads as no case. */
export function openCases(bus: Bus): Promise<JsonBucket<CaseView | undefined>> {
  return openCaseView(bus, caseViewSchema);
}
