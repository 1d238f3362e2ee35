import { AgeGroup, CsamCategory, type Hash, HashAlgorithm, IncidentType, Priority } from '@relay/wire';
import { z } from 'zod';
import { dateTime, email, hashBytes, hashText, httpUrl, sourceReportId, text } from '../fields.js';
import { Rule, type Violation } from '../problems.js';
import type { IntakeFormat, ReportDraft } from './format.js';
import { validateXarf } from './xarf-schema.js';

/**
 * X-ARF v4 reports of category `content`, type `csam` or `csem`, as the X-ARF
 * spec defines them: validated by the official schemas (`xarf-schema.ts`),
 * extension fields accepted and ignored. Evidence of an image, video, audio
 * or other binary media type is refused (the relay carries no material);
 * text evidence is accepted and dropped unread. `_internal` (X-ARF says never
 * to transmit it), the sender, free text and everything else the relay does
 * not relay are dropped and listed on the receipt.
 */

/** Evidence media types that are text: accepted, then dropped unread. Anything else is material and refused. */
const TEXT_MEDIA = /^(text\/[a-z0-9.+-]+|message\/[a-z0-9.+-]+|application\/(json|xml|csv|[a-z0-9.-]+\+(json|xml)))$/;

/** Refuses evidence items whose media type is not text (image, video, audio, binary). */
function evidenceViolations(document: unknown): Violation[] {
  const evidence = (document as { evidence?: unknown } | null)?.evidence;
  if (!Array.isArray(evidence)) return [];
  const out: Violation[] = [];
  evidence.forEach((item: unknown, i) => {
    const raw = (item as { content_type?: unknown } | null)?.content_type;
    if (typeof raw !== 'string') return;
    const media = raw.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!TEXT_MEDIA.test(media)) {
      out.push({
        pointer: `/evidence/${i}/content_type`,
        rule: Rule.ContentNotAccepted,
        detail: `evidence of media type ${media.slice(0, 100)} is never accepted: the relay carries URLs and hashes, not material (text evidence is accepted and dropped)`,
      });
    }
  });
  return out;
}

const hashValues = z.looseObject({
  md5: hashText(HashAlgorithm.HASH_ALGORITHM_MD5, { base64: false }).optional(),
  sha1: hashText(HashAlgorithm.HASH_ALGORITHM_SHA1, { base64: false }).optional(),
  sha256: hashText(HashAlgorithm.HASH_ALGORITHM_SHA256, { base64: false }).optional(),
  photodna: hashText(HashAlgorithm.HASH_ALGORITHM_PHOTODNA, { base64: true }).optional(),
});

/** What the relay reads of every accepted X-ARF report, on top of the official schema. */
const base = {
  report_id: sourceReportId,
  timestamp: dateTime,
  reporter: z.looseObject({ org: text(200), contact: email }),
  url: httpUrl,
  ncmec_report_id: sourceReportId.optional(),
};

/** X-ARF `classification` values to CSAM categories. */
const CATEGORIES: Readonly<Record<string, CsamCategory>> = {
  baseline: CsamCategory.CSAM_CATEGORY_BASELINE,
  A1: CsamCategory.CSAM_CATEGORY_A1,
  A2: CsamCategory.CSAM_CATEGORY_A2,
  B1: CsamCategory.CSAM_CATEGORY_B1,
  B2: CsamCategory.CSAM_CATEGORY_B2,
};

const csam = z.looseObject({
  ...base,
  type: z.literal('csam'),
  classification: z.enum(['baseline', 'A1', 'A2', 'B1', 'B2']),
  hash_values: hashValues.optional(),
});

const AGE_GROUPS: Readonly<Record<string, AgeGroup>> = {
  infant: AgeGroup.AGE_GROUP_INFANT,
  toddler: AgeGroup.AGE_GROUP_INFANT,
  prepubescent: AgeGroup.AGE_GROUP_PREPUBESCENT,
  pubescent: AgeGroup.AGE_GROUP_PUBESCENT,
  unknown: AgeGroup.AGE_GROUP_UNSPECIFIED,
};

const csem = z.looseObject({
  ...base,
  type: z.literal('csem'),
  exploitation_type: z.enum(['grooming', 'solicitation', 'sextortion', 'trafficking', 'distribution', 'production', 'possession']),
  victim_age_range: z.enum(['infant', 'toddler', 'prepubescent', 'pubescent', 'unknown']).optional(),
});

/** The zod schema of an X-ARF v4 content/csam or content/csem report. */
export const xarfSchema = z.discriminatedUnion('type', [csam, csem]).meta({
  description: 'X-ARF v4 report, category content, type csam or csem, as the X-ARF v4 schemas define it',
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
 * reporter, `ncmec_report_id` -> ncmecReportId. Type csam is the CyberTipline's child pornography type; csem maps
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
    ...(doc.ncmec_report_id === undefined ? {} : { ncmecReportId: doc.ncmec_report_id }),
  };
}

/** The X-ARF v4 intake format. */
export const xarfFormat: IntakeFormat<XarfReport> = {
  schema: xarfSchema,
  toDraft: xarfToDraft,
  check: (document) => [...evidenceViolations(document), ...validateXarf(document)],
  kept: (document) => [...KEPT, ...((document as { type?: unknown }).type === 'csam' ? KEPT_CSAM : KEPT_CSEM)],
  unread: ['/evidence/*/payload'],
};

/** What the relay keeps of every X-ARF report, and of each type; the rest is dropped and listed on the receipt. */
const KEPT = ['/xarf_version', '/report_id', '/timestamp', '/reporter/org', '/reporter/contact', '/category', '/type', '/url', '/ncmec_report_id'] as const;
const KEPT_CSAM = ['/classification', '/hash_values/md5', '/hash_values/sha1', '/hash_values/sha256', '/hash_values/photodna'] as const;
const KEPT_CSEM = ['/exploitation_type', '/victim_age_range'] as const;
