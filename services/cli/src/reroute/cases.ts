import { type Bus, type JsonBucket, openJsonBucket } from '@relay/bus';
import { KvBucket } from '@relay/wire';
import { z } from 'zod';

/**
 * The part of a dispatcher case (KV `relay-cases`, decision 0031) that
 * reroute reads. The dispatcher owns the full schema; this view names only
 * what the CLI relies on and lets every other field through untouched.
 */
export const caseViewSchema = z
  .object({
    id: z.string().min(1),
    url: z.string().min(1),
    status: z.enum(['open', 'held', 'closed']),
    sources: z.array(z.string()),
    /** The latest observation that changed the case, proto3 JSON. */
    hosting: z.unknown(),
    /** `resolvedAt` of `hosting`, ms: the dispatcher moves a case only for a later observation. */
    resolvedAt: z.number().int().nonnegative(),
    routing: z
      .object({
        epoch: z.number().int().nonnegative(),
        referralId: z.string(),
        jurisdiction: z.string(),
        hotline: z.string(),
        directoryRevision: z.number().int().nonnegative(),
        issuedAt: z.number().int().nonnegative(),
      })
      .loose()
      .optional(),
  })
  .loose();

/** A case as reroute sees it. */
export type CaseView = z.infer<typeof caseViewSchema>;

/**
 * True for the tombstone of a case closed for longer than the retention
 * period (decision 0118): no URL, nothing to reroute or to audit.
 */
export function isCaseTombstone(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && 'tombstone' in raw;
}

/** Opens the case bucket for reading through {@link caseViewSchema}; a tombstone reads as no case. */
export async function openCases(bus: Bus): Promise<JsonBucket<CaseView | undefined>> {
  return openJsonBucket(bus, KvBucket.Cases, (raw) => (isCaseTombstone(raw) ? undefined : caseViewSchema.parse(raw)));
}
