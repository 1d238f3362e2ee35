import { createHash } from 'node:crypto';
import { AgeGroup, type Classification, CsamCategory, type Hash, HashAlgorithm } from '@relay/wire';
import { z } from 'zod';
import { droppedParts } from '../dropped.js';
import { MAX_HASHES, readHash } from '../fields.js';
import { invalid, type Problem, problem, Rule, type Violation } from '../problems.js';

/**
 * NCMEC's `<fileDetails>` document (issue 15, item 3; decision 0101): one
 * file of a CyberTipline report, sent after the report and linked to it by
 * `reportId` (NCMEC's report number). It is validated by the same pinned XSD
 * as `<report>` (`decode.ts`); the relay reads only `reportId`, the
 * `originalFileHash` values of hash types it carries, and
 * `industryClassification`. Everything else (file names, where the file was,
 * IP capture events, devices, EXIF and other details, annotations, free
 * text) is validated and dropped, and the receipt lists it.
 */

/** `industryClassification` (the industry's A1-B2 scale) in the relay's terms: the same X-ARF category, and the age group its letter names. */
export const INDUSTRY_CLASSIFICATION: Readonly<Record<string, Classification>> = {
  A1: { legal: 0, category: CsamCategory.CSAM_CATEGORY_A1, siteType: 0, ageGroup: AgeGroup.AGE_GROUP_PREPUBESCENT },
  A2: { legal: 0, category: CsamCategory.CSAM_CATEGORY_A2, siteType: 0, ageGroup: AgeGroup.AGE_GROUP_PREPUBESCENT },
  B1: { legal: 0, category: CsamCategory.CSAM_CATEGORY_B1, siteType: 0, ageGroup: AgeGroup.AGE_GROUP_PUBESCENT },
  B2: { legal: 0, category: CsamCategory.CSAM_CATEGORY_B2, siteType: 0, ageGroup: AgeGroup.AGE_GROUP_PUBESCENT },
};

/** `originalFileHash/@hashType` (free text in NCMEC's schema) -> algorithm, compared without case, dashes or spaces. */
const HASH_TYPES: Readonly<Record<string, HashAlgorithm>> = {
  md5: HashAlgorithm.HASH_ALGORITHM_MD5,
  sha1: HashAlgorithm.HASH_ALGORITHM_SHA1,
  sha256: HashAlgorithm.HASH_ALGORITHM_SHA256,
  photodna: HashAlgorithm.HASH_ALGORITHM_PHOTODNA,
};

function algorithmOf(hashType: string): HashAlgorithm | undefined {
  return HASH_TYPES[hashType.toLowerCase().replace(/[\s_-]/g, '')];
}

const fileDetailsSchema = z.looseObject({
  fileDetails: z.looseObject({
    reportId: z.string(),
    industryClassification: z.enum(Object.keys(INDUSTRY_CLASSIFICATION) as [string, ...string[]]).optional(),
    originalFileHash: z.array(z.union([z.string(), z.looseObject({ '#text': z.string().optional(), '@hashType': z.string() })])).optional(),
  }),
});

/** NCMEC's report number as `fileDetails/reportId` (an `xs:long`) names it, in the form a report's id takes. */
const REPORT_NUMBER = /^[1-9][0-9]{0,18}$/;

/** What the relay takes from a `<fileDetails>` document. */
export interface FileDetails {
  /** NCMEC's number of the report the file belongs to: its source report id at the relay. */
  readonly reportId: string;
  readonly hashes: readonly Hash[];
  readonly classification?: Classification;
  /** The source report id of the file at the relay: `<reportId>-file-<digest of its hashes>`. */
  readonly sourceReportId: string;
  readonly dropped: readonly string[];
}

/**
 * Reads a `<fileDetails>` tree (already valid by the XSD): the report number,
 * the hashes of known types (hex or base64, by their length) and the
 * classification. A file with no hash the relay carries has nothing to relay
 * (`nothing-to-route`). The file's id is derived from the report number and a
 * digest of its hashes, so the same file sent again, however its document is
 * written, is the same file (decision 0101).
 */
export function readFileDetails(tree: unknown): { ok: true; file: FileDetails } | { ok: false; problem: Problem } {
  const parsed = fileDetailsSchema.safeParse(tree);
  if (!parsed.success) return { ok: false, problem: problem(400, Rule.Format, 'not a fileDetails document the relay can read', '/fileDetails') };
  const doc = parsed.data.fileDetails;
  const reportId = doc.reportId.trim();
  if (!REPORT_NUMBER.test(reportId)) {
    return { ok: false, problem: problem(400, Rule.IdFormat, 'must be NCMEC\'s report number: 1-19 digits, no sign or leading zero', '/fileDetails/reportId') };
  }
  const hashes: Hash[] = [];
  const kept = ['/fileDetails/@xmlns:xsi', '/fileDetails/@xsi:noNamespaceSchemaLocation', '/fileDetails/reportId', '/fileDetails/industryClassification'];
  const violations: Violation[] = [];
  (doc.originalFileHash ?? []).forEach((h, i) => {
    if (typeof h === 'string') return;
    const algorithm = algorithmOf(h['@hashType']);
    if (algorithm === undefined) return;
    const pointer = `/fileDetails/originalFileHash/${i}`;
    kept.push(pointer);
    const read = readHash(algorithm, (h['#text'] ?? '').trim(), { base64: true });
    if (!read.ok) violations.push({ pointer, rule: read.rule, detail: read.detail });
    else if (!hashes.some((x) => x.algorithm === algorithm && x.value.equals(read.bytes))) hashes.push({ algorithm, value: read.bytes });
  });
  if (violations.length > 0) return { ok: false, problem: invalid(violations) };
  if (hashes.length > MAX_HASHES) {
    // What REPORTS and a notice can carry bounds a file's hashes as it bounds a report's (decision 0094).
    return { ok: false, problem: problem(400, Rule.TooMany, `the file has ${hashes.length} hashes; at most ${MAX_HASHES} are accepted`, '/fileDetails/originalFileHash') };
  }
  const parts = droppedParts(tree, kept);
  if (parts.violations.length > 0) return { ok: false, problem: invalid(parts.violations) };
  if (hashes.length === 0) {
    return {
      ok: false,
      problem: problem(400, Rule.NothingToRoute, 'the file has no originalFileHash of a type the relay carries (MD5, SHA1, SHA256, PhotoDNA): there is nothing to relay', '/fileDetails'),
    };
  }
  // One order whatever the document's, so the same file always maps to the same report (and digest).
  hashes.sort((a, b) => a.algorithm - b.algorithm || Buffer.compare(a.value, b.value));
  const classification = doc.industryClassification === undefined ? undefined : INDUSTRY_CLASSIFICATION[doc.industryClassification];
  return {
    ok: true,
    file: { reportId, hashes, ...(classification ? { classification } : {}), sourceReportId: `${reportId}-file-${fileDigest(hashes)}`, dropped: parts.dropped },
  };
}

/** 32 hex digits of SHA-256 over the file's hashes, sorted: the same file has the same digest however its document lists them. */
function fileDigest(hashes: readonly Hash[]): string {
  const lines = hashes.map((h) => `${h.algorithm}:${h.value.toString('hex')}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 32);
}
