import { type Bus, openJsonBucket } from '@relay/bus';
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

/** Opens the case bucket for reading through {@link caseViewSchema}. */
export async function openCases(bus: Bus) {
  return openJsonBucket(bus, KvBucket.Cases, (raw) => caseViewSchema.parse(raw));
}

/**
 * Every case in the bucket that `keep` accepts, read `concurrency` at a time.
 * A key deleted while reading is skipped.
 */
export async function readCases(bus: Bus, keep: (c: CaseView) => boolean, concurrency = 64): Promise<CaseView[]> {
  const bucket = await openCases(bus);
  const keys: string[] = [];
  for await (const key of bucket.keys()) keys.push(key);
  const kept: CaseView[] = [];
  for (let i = 0; i < keys.length; i += concurrency) {
    const got = await Promise.all(keys.slice(i, i + concurrency).map((k) => bucket.get(k)));
    for (const v of got) if (v && keep(v.value)) kept.push(v.value);
  }
  return kept;
}
