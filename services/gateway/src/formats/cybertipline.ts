import { HashAlgorithm, IncidentType, Priority } from '@relay/wire';
import { z } from 'zod';
import { country, dateTime, email, hashBytes, httpUrl, MAX_HASHES, MAX_URLS, readHash, sourceReportId, text } from '../fields.js';
import { Rule } from '../problems.js';
import type { IntakeFormat, ReportDraft } from './format.js';

/**
 * The CyberTipline-style XML report: the `<report>` document of NCMEC's
 * reporting API as a hotline receives it from NCMEC, with the CyberTipline
 * report number in `<reportId>` and the file hashes inline in `<fileDetails>`
 * (decision 0011). Only web-page incidents are relayed; the elements listed
 * here are accepted and everything else is refused. Names, phone numbers and
 * free text are validated and then dropped: the relay forwards URLs, hashes
 * and the assessment only.
 */

/** CyberTipline incident type texts (`incidentSummary/incidentType`). */
export const INCIDENT_TYPES: Readonly<Record<string, IncidentType>> = {
  'Child Pornography (possession, manufacture, and distribution)': IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
  'Child Sex Trafficking': IncidentType.INCIDENT_TYPE_CHILD_SEX_TRAFFICKING,
  'Child Sex Tourism': IncidentType.INCIDENT_TYPE_CHILD_SEX_TOURISM,
  'Child Sexual Molestation': IncidentType.INCIDENT_TYPE_CHILD_SEXUAL_MOLESTATION,
  'Misleading Domain Name': IncidentType.INCIDENT_TYPE_MISLEADING_DOMAIN_NAME,
  'Misleading Words or Digital Images on the Internet': IncidentType.INCIDENT_TYPE_MISLEADING_WORDS_OR_IMAGES,
  'Online Enticement of Children for Sexual Acts': IncidentType.INCIDENT_TYPE_ONLINE_ENTICEMENT,
  'Unsolicited Obscene Material Sent to a Child': IncidentType.INCIDENT_TYPE_UNSOLICITED_OBSCENE_MATERIAL,
};

/** CyberTipline `hashType` attribute values, upper-cased, to algorithms. */
const HASH_TYPES: Readonly<Record<string, HashAlgorithm>> = {
  MD5: HashAlgorithm.HASH_ALGORITHM_MD5,
  SHA1: HashAlgorithm.HASH_ALGORITHM_SHA1,
  'SHA-1': HashAlgorithm.HASH_ALGORITHM_SHA1,
  SHA256: HashAlgorithm.HASH_ALGORITHM_SHA256,
  'SHA-256': HashAlgorithm.HASH_ALGORITHM_SHA256,
  PHOTODNA: HashAlgorithm.HASH_ALGORITHM_PHOTODNA,
};

const yesNo = z.enum(['true', 'false']);

const emailElement = z.union([email, z.strictObject({ '#text': email, '@verified': yesNo.optional() })]);

const person = z.strictObject({
  firstName: text(100).optional(),
  lastName: text(100).optional(),
  phone: text(40).optional(),
  email: z.array(emailElement).max(10).optional(),
  address: z
    .strictObject({
      address: text(200).optional(),
      city: text(100).optional(),
      zipCode: text(20).optional(),
      state: text(100).optional(),
      nonUsaState: text(100).optional(),
      country: country.optional(),
    })
    .optional(),
});

const fileHash = z
  .strictObject({ '#text': z.string(), '@hashType': z.string() })
  .superRefine((h, ctx) => {
    const algorithm = HASH_TYPES[h['@hashType'].toUpperCase()];
    if (algorithm === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be MD5, SHA1, SHA256 or PhotoDNA', params: { rule: Rule.NotAllowedValue }, path: ['@hashType'] });
      return;
    }
    const r = readHash(algorithm, h['#text'], { base64: algorithm === HashAlgorithm.HASH_ALGORITHM_PHOTODNA });
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.detail, params: { rule: r.rule }, path: ['#text'] });
  });

/** The zod schema of a parsed CyberTipline-style report (attributes appear as `@name`). */
export const cyberTiplineSchema = z.strictObject({
  report: z.strictObject({
    '@xmlns': text(300).optional(),
    '@xmlns:xsi': text(300).optional(),
    '@xsi:noNamespaceSchemaLocation': text(300).optional(),
    reportId: sourceReportId,
    incidentSummary: z.strictObject({
      incidentType: z.enum(Object.keys(INCIDENT_TYPES) as [string, ...string[]]),
      escalateToHighPriority: text(1000).optional(),
      incidentDateTime: dateTime,
      incidentDateTimeDescription: text(1000).optional(),
    }),
    internetDetails: z
      .array(
        z.strictObject({
          webPageIncident: z
            .array(
              z.strictObject({
                '@thirdPartyHostedContent': yesNo.optional(),
                url: z.array(httpUrl).min(1).max(MAX_URLS),
                additionalInfo: text(1000).optional(),
              }),
            )
            .min(1),
        }),
      )
      .min(1),
    reporter: z
      .strictObject({
        reportingPerson: person.optional(),
        contactPerson: person.optional(),
        companyTemplate: text(200).optional(),
        termsOfService: text(1000).optional(),
        legalURL: httpUrl.optional(),
      })
      .optional(),
    fileDetails: z
      .array(
        z.strictObject({
          reportId: sourceReportId.optional(),
          fileId: text(100).optional(),
          originalFileName: text(255).optional(),
          originalFileHash: z.array(fileHash).max(MAX_HASHES).optional(),
          publiclyAvailable: yesNo.optional(),
          fileViewedByEsp: yesNo.optional(),
        }),
      )
      .max(MAX_HASHES)
      .optional(),
  }),
});

/** A parsed CyberTipline report as validated. */
export type CyberTiplineReport = z.infer<typeof cyberTiplineSchema>;

function firstEmail(p: z.infer<typeof person> | undefined): string | undefined {
  const e = p?.email?.[0];
  return typeof e === 'object' ? e['#text'] : e;
}

/**
 * Maps a validated CyberTipline report: `reportId` -> sourceReportId, the
 * incident type text -> IncidentType, `incidentDateTime` -> incidentTime,
 * every `webPageIncident/url` -> urls (in order), every `originalFileHash`
 * -> hashes, `escalateToHighPriority` present -> PRIORITY_HIGH (absent:
 * NORMAL, which is what the CyberTipline means by not escalating), contact
 * person's (else reporting person's) e-mail and the reporting person's
 * country -> reporter.
 */
export function cyberTiplineToDraft(doc: CyberTiplineReport): ReportDraft {
  const r = doc.report;
  const urls = r.internetDetails.flatMap((d) => d.webPageIncident.flatMap((w) => w.url));
  const hashes = (r.fileDetails ?? []).flatMap((f) =>
    (f.originalFileHash ?? []).map((h) => {
      const algorithm = HASH_TYPES[h['@hashType'].toUpperCase()] ?? HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED;
      return { algorithm, value: hashBytes(algorithm, h['#text'], { base64: algorithm === HashAlgorithm.HASH_ALGORITHM_PHOTODNA }) };
    }),
  );
  const contactEmail = firstEmail(r.reporter?.contactPerson) ?? firstEmail(r.reporter?.reportingPerson) ?? '';
  const reporterCountry = r.reporter?.reportingPerson?.address?.country ?? '';
  return {
    sourceReportId: r.reportId,
    incidentType: INCIDENT_TYPES[r.incidentSummary.incidentType] ?? IncidentType.INCIDENT_TYPE_UNSPECIFIED,
    incidentTime: { value: r.incidentSummary.incidentDateTime, pointer: '/report/incidentSummary/incidentDateTime' },
    urls,
    hashes,
    priority: r.incidentSummary.escalateToHighPriority === undefined ? Priority.PRIORITY_NORMAL : Priority.PRIORITY_HIGH,
    ...(r.reporter === undefined ? {} : { reporter: { organisation: '', country: reporterCountry, contactEmail } }),
  };
}

/** The CyberTipline-style XML intake format. */
export const cyberTiplineFormat: IntakeFormat<CyberTiplineReport> = {
  schema: cyberTiplineSchema,
  toDraft: cyberTiplineToDraft,
};
