import { AgeGroup, CsamCategory, HashAlgorithm, IncidentType, LegalClassification, Priority, SiteType } from '@relay/wire';
import { z } from 'zod';
import { country, dateTime, email, enumNames, hashBytes, httpUrl, MAX_HASHES, MAX_URLS, readHash, sourceReportId, text } from '../fields.js';
import type { IntakeFormat, ReportDraft } from './format.js';

/**
 * The native format: `relay.v1.Report` in its proto3 JSON form (camelCase
 * fields, enum names, RFC 3339 times), without the fields the gateway sets
 * (`id`, `source`, `receivedAt`). Hash values are the digest bytes as proto3
 * base64 or, equally, as hex (the lengths never collide, see `readHash`).
 */

const hashAlgorithms = enumNames(HashAlgorithm).filter((n) => n !== 'HASH_ALGORITHM_UNSPECIFIED') as [string, ...string[]];

const nativeHash = z
  .strictObject({
    algorithm: z.enum(hashAlgorithms),
    value: z.string().meta({ description: 'The digest: hex, or proto3 base64 of the raw bytes' }),
  })
  .superRefine((h, ctx) => {
    const r = readHash(HashAlgorithm[h.algorithm as keyof typeof HashAlgorithm], h.value, { base64: true });
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.detail, params: { rule: r.rule }, path: ['value'] });
  });

/** The zod schema of a native report (also the OpenAPI request body). */
export const nativeReportSchema = z
  .strictObject({
    sourceReportId,
    incidentType: z.enum(enumNames(IncidentType)).optional(),
    incidentTime: dateTime.optional(),
    urls: z.array(httpUrl).min(1).max(MAX_URLS),
    hashes: z.array(nativeHash).max(MAX_HASHES).optional(),
    classification: z
      .strictObject({
        legal: z.enum(enumNames(LegalClassification)).optional(),
        category: z.enum(enumNames(CsamCategory)).optional(),
        siteType: z.enum(enumNames(SiteType)).optional(),
        ageGroup: z.enum(enumNames(AgeGroup)).optional(),
      })
      .optional(),
    priority: z.enum(enumNames(Priority)).optional(),
    reporter: z
      .strictObject({
        organisation: text(200).optional(),
        country: country.optional(),
        contactEmail: email.optional(),
      })
      .optional(),
  })
  .meta({
    description: 'relay.v1.Report in proto3 JSON form, without the server-set fields id, source and receivedAt',
  });

/** A native report as validated. */
export type NativeReport = z.infer<typeof nativeReportSchema>;

function enumValue<E extends Record<string, string | number>>(e: E, name: string | undefined): number {
  if (name === undefined) return 0;
  const v = e[name as keyof E];
  return typeof v === 'number' ? v : 0;
}

/** Maps a validated native report to a draft (a field-for-field copy). */
export function nativeToDraft(doc: NativeReport): ReportDraft {
  const c = doc.classification;
  const r = doc.reporter;
  return {
    sourceReportId: doc.sourceReportId,
    incidentType: enumValue(IncidentType, doc.incidentType),
    ...(doc.incidentTime === undefined ? {} : { incidentTime: { value: doc.incidentTime, pointer: '/incidentTime' } }),
    urls: doc.urls,
    hashes: (doc.hashes ?? []).map((h) => {
      const algorithm = enumValue(HashAlgorithm, h.algorithm) as HashAlgorithm;
      return { algorithm, value: hashBytes(algorithm, h.value, { base64: true }) };
    }),
    ...(c === undefined
      ? {}
      : {
          classification: {
            legal: enumValue(LegalClassification, c.legal),
            category: enumValue(CsamCategory, c.category),
            siteType: enumValue(SiteType, c.siteType),
            ageGroup: enumValue(AgeGroup, c.ageGroup),
          },
        }),
    priority: enumValue(Priority, doc.priority),
    ...(r === undefined ? {} : { reporter: { organisation: r.organisation ?? '', country: r.country ?? '', contactEmail: r.contactEmail ?? '' } }),
  };
}

/** The native intake format. */
export const nativeFormat: IntakeFormat<NativeReport> = {
  schema: nativeReportSchema,
  toDraft: nativeToDraft,
  serverSetKeys: new Set(['id', 'source', 'receivedAt', 'received_at']),
};
