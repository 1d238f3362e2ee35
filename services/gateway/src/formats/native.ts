import { AgeGroup, CsamCategory, HashAlgorithm, IncidentType, LegalClassification, Priority, SiteType } from '@relay/wire';
import { z } from 'zod';
import { country, dateTime, email, enumNames, hashBytes, httpUrl, MAX_HASHES, MAX_URLS, readHash, sourceReportId, text } from '../fields.js';
import { Rule } from '../problems.js';
import type { IntakeFormat, ReportDraft } from './format.js';

/**
 * The native format: `relay.v1.Report` in its proto3 JSON form, without the
 * fields the gateway sets (`id`, `source`, `receivedAt`). As the proto3 JSON
 * mapping has it, fields may be named in lowerCamelCase or by their proto
 * name (`source_report_id`), enums by name or number, and `null` means the
 * field is absent; `normalizeProto3Json` rewrites such a document into the
 * canonical form before the strict schema reads it. Hash values are the
 * digest bytes as proto3 base64 or, equally, as hex (the lengths never
 * collide, see `readHash`). Deviations from the mapping: decision 0011.
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

/** The zod schema of a native report in canonical proto3 JSON (also the OpenAPI request body). */
export const nativeReportSchema = z
  .strictObject({
    sourceReportId,
    ncmecReportId: sourceReportId.optional(),
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

/** One message of relay.v1.Report as the proto3 JSON mapping names it: JSON name -> proto name, enum, nested message. */
interface MessageShape {
  readonly [jsonName: string]: { readonly proto: string; readonly enumType?: Record<string | number, string | number>; readonly message?: MessageShape };
}

const HASH: MessageShape = { algorithm: { proto: 'algorithm', enumType: HashAlgorithm }, value: { proto: 'value' } };
const REPORT: MessageShape = {
  id: { proto: 'id' },
  source: { proto: 'source' },
  sourceReportId: { proto: 'source_report_id' },
  incidentType: { proto: 'incident_type', enumType: IncidentType },
  incidentTime: { proto: 'incident_time' },
  receivedAt: { proto: 'received_at' },
  urls: { proto: 'urls' },
  hashes: { proto: 'hashes', message: HASH },
  classification: {
    proto: 'classification',
    message: {
      legal: { proto: 'legal', enumType: LegalClassification },
      category: { proto: 'category', enumType: CsamCategory },
      siteType: { proto: 'site_type', enumType: SiteType },
      ageGroup: { proto: 'age_group', enumType: AgeGroup },
    },
  },
  priority: { proto: 'priority', enumType: Priority },
  reporter: {
    proto: 'reporter',
    message: { organisation: { proto: 'organisation' }, country: { proto: 'country' }, contactEmail: { proto: 'contact_email' } },
  },
  ncmecReportId: { proto: 'ncmec_report_id' },
};

type Ctx = z.core.$RefinementCtx<unknown>;

/**
 * Rewrites a proto3 JSON document into the canonical form the schema reads:
 * proto field names become JSON names, enum numbers become names, `null`
 * fields are removed (absent), `null` in a repeated field is refused. A field
 * given under both names is refused, as protobuf's own parsers do. Unknown
 * keys are left for the strict schema to refuse.
 */
export function normalizeProto3Json(value: unknown, ctx: Ctx, shape: MessageShape = REPORT, path: PropertyKey[] = []): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const byProto = new Map(Object.entries(shape).map(([json, f]) => [f.proto, json]));
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    const jsonName = shape[key] ? key : byProto.get(key);
    const field = jsonName === undefined ? undefined : shape[jsonName];
    if (jsonName === undefined || field === undefined) {
      out[key] = raw;
      continue;
    }
    if (Object.hasOwn(out, jsonName)) {
      ctx.addIssue({ code: 'custom', message: `given twice, as ${jsonName} and ${field.proto}`, params: { rule: Rule.NotAllowedValue }, path: [...path, key] });
      continue;
    }
    if (raw === null) continue;
    const one = (v: unknown, at: PropertyKey[]): unknown => {
      if (field.enumType && typeof v === 'number' && Number.isInteger(v)) {
        const name = field.enumType[v];
        return typeof name === 'string' && name !== 'UNRECOGNIZED' ? name : v;
      }
      return field.message ? normalizeProto3Json(v, ctx, field.message, at) : v;
    };
    out[jsonName] = Array.isArray(raw) ? raw.map((v, i) => one(v, [...path, key, i])) : one(raw, [...path, key]);
  }
  return out;
}

/** The native schema, reading any proto3 JSON form of a report (see {@link normalizeProto3Json}). */
export const nativeProto3JsonSchema = z.preprocess((value, ctx) => normalizeProto3Json(value, ctx), nativeReportSchema);

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
    ...(doc.ncmecReportId === undefined ? {} : { ncmecReportId: doc.ncmecReportId }),
  };
}

/** The native intake format. */
export const nativeFormat: IntakeFormat<NativeReport> = {
  schema: nativeProto3JsonSchema,
  toDraft: nativeToDraft,
  serverSetKeys: new Set(['id', 'source', 'receivedAt', 'received_at']),
};
