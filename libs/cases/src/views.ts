import type { z } from 'zod';
import { caseSchema } from './case-state.js';

/**
 * The part of a case `relay reroute` reads: picked from {@link caseSchema},
 * so there is no second schema; every other field passes through untouched.
 */
export const caseRouteViewSchema = caseSchema.pick({ id: true, url: true, status: true, sources: true, hosting: true, resolvedAt: true, routing: true }).loose();

/** A case as reroute sees it. */
export type CaseRouteView = z.infer<typeof caseRouteViewSchema>;

/** The part of a case `relay audit` reads (its status, route and outbox), picked from {@link caseSchema}. */
export const caseAuditViewSchema = caseSchema.pick({ id: true, status: true, holdReason: true, routing: true, outbox: true });

/** A case as reconciliation sees it. */
export type CaseAuditView = z.infer<typeof caseAuditViewSchema>;
