import { AgeGroup, CsamCategory, type Hash, HashAlgorithm, IncidentType, Priority } from '@relay/wire';
import { z } from 'zod';
import { country, dateTime, email, hashBytes, hashText, httpUrl, sourceReportId, text } from '../fields.js';
import type { IntakeFormat, ReportDraft } from './format.js';

/**
 * X-ARF v4 reports of category `content`, type `csam` or `csem`: the core
 * fields, the content-base fields and the type's own fields. Refused on top of
 * the X-ARF schema: `evidence` (its items carry base64 payloads),
 * `screenshot_url` and `_internal` (X-ARF itself says never to transmit it),
 * and any field X-ARF does not define.
 */

const contactInfo = z.strictObject({ org: text(200), contact: email, domain: text(253) });

const hashValues = z.strictObject({
  md5: hashText(HashAlgorithm.HASH_ALGORITHM_MD5, { base64: false }).optional(),
  sha1: hashText(HashAlgorithm.HASH_ALGORITHM_SHA1, { base64: false }).optional(),
  sha256: hashText(HashAlgorithm.HASH_ALGORITHM_SHA256, { base64: false }).optional(),
  photodna: hashText(HashAlgorithm.HASH_ALGORITHM_PHOTODNA, { base64: true }).optional(),
});

const textList = (max: number, items: number): z.ZodType<string[]> => z.array(text(max)).max(items);

const base = {
  xarf_version: z.string().regex(/^4\.[0-9]+\.[0-9]+$/, 'must be an X-ARF 4.x.y version'),
  report_id: sourceReportId,
  timestamp: dateTime,
  reporter: contactInfo,
  sender: contactInfo,
  source_identifier: text(255),
  source_port: z.int().min(1).max(65535).optional(),
  category: z.literal('content'),
  evidence_source: text(100).optional(),
  tags: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9_+-]*:[a-z0-9][a-z0-9_+.-]*$/, 'must be a namespace:predicate tag').max(100))
    .max(20)
    .optional(),
  confidence: z.number().min(0).max(1).optional(),
  description: text(1000).optional(),
  legacy_version: z.literal('3').optional(),
  url: httpUrl,
  domain: text(253).optional(),
  registrar: text(200).optional(),
  nameservers: textList(253, 20).optional(),
  dns_records: z
    .strictObject({ a: textList(45, 50).optional(), aaaa: textList(45, 50).optional(), mx: textList(253, 50).optional(), txt: textList(255, 50).optional() })
    .optional(),
  verified_at: dateTime.optional(),
  verification_method: z.enum(['manual', 'automated_crawler', 'user_report', 'honeypot', 'threat_intelligence']).optional(),
  hosting_provider: text(200).optional(),
  asn: z.int().min(1).max(4294967295).optional(),
  country_code: country.optional(),
  ssl_certificate: z
    .strictObject({
      issuer: text(300).optional(),
      subject: text(300).optional(),
      valid_from: dateTime.optional(),
      valid_to: dateTime.optional(),
      fingerprint: text(100).optional(),
    })
    .optional(),
  whois: z
    .strictObject({
      registrant: text(200).optional(),
      created_date: dateTime.optional(),
      updated_date: dateTime.optional(),
      expiry_date: dateTime.optional(),
      registrar_abuse_contact: email.optional(),
    })
    .optional(),
  dns_response: z
    .strictObject({
      query_time: dateTime.optional(),
      authoritative: z.boolean().optional(),
      response_code: z.enum(['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED']).optional(),
    })
    .optional(),
};

/** X-ARF `classification` values to CSAM categories. */
const CATEGORIES: Readonly<Record<string, CsamCategory>> = {
  baseline: CsamCategory.CSAM_CATEGORY_BASELINE,
  A1: CsamCategory.CSAM_CATEGORY_A1,
  A2: CsamCategory.CSAM_CATEGORY_A2,
  B1: CsamCategory.CSAM_CATEGORY_B1,
  B2: CsamCategory.CSAM_CATEGORY_B2,
};

const csam = z.strictObject({
  ...base,
  type: z.literal('csam'),
  classification: z.enum(['baseline', 'A1', 'A2', 'B1', 'B2']),
  media_type: z.enum(['image', 'video', 'audio', 'text', 'mixed']).optional(),
  detection_method: z.enum(['hash_match', 'ai_detection', 'manual_review', 'user_report', 'automated_scan']),
  hash_values: hashValues.optional(),
  ncmec_report_id: sourceReportId.optional(),
  content_removed: z.boolean().optional(),
  account_suspended: z.boolean().optional(),
});

const AGE_GROUPS: Readonly<Record<string, AgeGroup>> = {
  infant: AgeGroup.AGE_GROUP_INFANT,
  toddler: AgeGroup.AGE_GROUP_INFANT,
  prepubescent: AgeGroup.AGE_GROUP_PREPUBESCENT,
  pubescent: AgeGroup.AGE_GROUP_PUBESCENT,
  unknown: AgeGroup.AGE_GROUP_UNSPECIFIED,
};

const csem = z.strictObject({
  ...base,
  type: z.literal('csem'),
  exploitation_type: z.enum(['grooming', 'solicitation', 'sextortion', 'trafficking', 'distribution', 'production', 'possession']),
  victim_age_range: z.enum(['infant', 'toddler', 'prepubescent', 'pubescent', 'unknown']).optional(),
  platform: z.enum(['social_media', 'messaging_app', 'gaming_platform', 'forum', 'email', 'darkweb', 'other']).optional(),
  detection_method: z.enum(['behavioral_analysis', 'keyword_detection', 'user_report', 'ai_detection', 'manual_review', 'law_enforcement_referral']),
  evidence_type: z.array(z.enum(['chat_logs', 'images', 'videos', 'user_profile', 'metadata'])).max(5).optional(),
  perpetrator_indicators: z
    .strictObject({ account_id: text(200).optional(), ip_addresses: textList(45, 50).optional(), pattern_of_behavior: text(1000).optional() })
    .optional(),
  reporting_obligations: z
    .array(z.enum(['NCMEC', 'IWF', 'local_law_enforcement', 'europol', 'interpol', 'platform_safety_team', 'other']))
    .max(7)
    .optional(),
});

/** The zod schema of an X-ARF v4 content/csam or content/csem report. */
export const xarfSchema = z.discriminatedUnion('type', [csam, csem]).meta({
  description: 'X-ARF v4 report, category content, type csam or csem (no evidence payloads)',
});

/** An X-ARF report as validated. */
export type XarfReport = z.infer<typeof xarfSchema>;

/** X-ARF `exploitation_type` values that name a CyberTipline incident type outright. */
const CSEM_INCIDENTS: Readonly<Record<string, IncidentType>> = {
  trafficking: IncidentType.INCIDENT_TYPE_CHILD_SEX_TRAFFICKING,
  grooming: IncidentType.INCIDENT_TYPE_ONLINE_ENTICEMENT,
  solicitation: IncidentType.INCIDENT_TYPE_ONLINE_ENTICEMENT,
};

/**
 * Maps a validated X-ARF report: `report_id` -> sourceReportId, `timestamp`
 * (when the incident occurred) -> incidentTime, `url` -> urls, `hash_values`
 * -> hashes, `classification` -> classification.category,
 * `victim_age_range` -> classification.ageGroup, reporter org and contact ->
 * reporter. Type csam is the CyberTipline's child pornography type; csem maps
 * only where its exploitation type names a CyberTipline type.
 */
export function xarfToDraft(doc: XarfReport): ReportDraft {
  const hashes: Hash[] = [];
  const incidentType =
    doc.type === 'csam' ? IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY : (CSEM_INCIDENTS[doc.exploitation_type] ?? IncidentType.INCIDENT_TYPE_UNSPECIFIED);
  if (doc.type === 'csam' && doc.hash_values) {
    const h = doc.hash_values;
    const add = (algorithm: HashAlgorithm, value: string | undefined, base64: boolean): void => {
      if (value !== undefined) hashes.push({ algorithm, value: hashBytes(algorithm, value, { base64 }) });
    };
    add(HashAlgorithm.HASH_ALGORITHM_MD5, h.md5, false);
    add(HashAlgorithm.HASH_ALGORITHM_SHA1, h.sha1, false);
    add(HashAlgorithm.HASH_ALGORITHM_SHA256, h.sha256, false);
    add(HashAlgorithm.HASH_ALGORITHM_PHOTODNA, h.photodna, true);
  }
  const category = doc.type === 'csam' ? (CATEGORIES[doc.classification] ?? CsamCategory.CSAM_CATEGORY_UNSPECIFIED) : CsamCategory.CSAM_CATEGORY_UNSPECIFIED;
  const ageGroup = doc.type === 'csem' && doc.victim_age_range ? (AGE_GROUPS[doc.victim_age_range] ?? AgeGroup.AGE_GROUP_UNSPECIFIED) : AgeGroup.AGE_GROUP_UNSPECIFIED;
  return {
    sourceReportId: doc.report_id,
    incidentType,
    incidentTime: { value: doc.timestamp, pointer: '/timestamp' },
    urls: [doc.url],
    hashes,
    classification: { legal: 0, category, siteType: 0, ageGroup },
    priority: Priority.PRIORITY_UNSPECIFIED,
    reporter: { organisation: doc.reporter.org, country: '', contactEmail: doc.reporter.contact },
  };
}

/** The X-ARF v4 intake format. */
export const xarfFormat: IntakeFormat<XarfReport> = {
  schema: xarfSchema,
  toDraft: xarfToDraft,
};
