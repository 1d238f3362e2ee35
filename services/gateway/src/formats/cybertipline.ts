import { IncidentType, Priority } from '@relay/wire';
import { z } from 'zod';
import { webPageUrl } from '../fields.js';
import type { IntakeFormat, ReportDraft } from './format.js';

/**
 * The CyberTipline XML report: the `<report>` document of NCMEC's reporting
 * API, exactly as NCMEC's schema defines it (the pinned copy in
 * `schemas/ncmec`, decision 0098). The whole document is validated by that
 * schema (`decode.ts` runs it on the text); the relay then reads the incident
 * type, time and escalation and every `webPageIncident/url`. Everything else
 * (other incident kinds, reporter, reported persons, victims, law
 * enforcement, free text) is validated and dropped, and the receipt lists it.
 * The schema's `<report>` carries no report number (NCMEC assigns it) and no
 * files (`fileDetails` is a document of its own, `file-details.ts`), so the
 * relay report has no hashes, and its source report id is NCMEC's number
 * given outside the body or else derived from the document (`read-report.ts`).
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

const webPageIncident = z.union([
  z.string(),
  z.looseObject({
    url: z.array(webPageUrl).optional(),
  }),
]);

/** The zod schema of what the relay reads from a parsed CyberTipline report (attributes appear as `@name`). */
export const cyberTiplineSchema = z.looseObject({
  report: z.looseObject({
    incidentSummary: z.looseObject({
      incidentType: z.enum(Object.keys(INCIDENT_TYPES) as [string, ...string[]]),
      escalateToHighPriority: z.unknown().optional(),
      incidentDateTime: z.string(),
    }),
    internetDetails: z.array(z.looseObject({ webPageIncident: webPageIncident.optional() })).optional(),
  }),
});

/** A parsed CyberTipline report as validated. */
export type CyberTiplineReport = z.infer<typeof cyberTiplineSchema>;

/** Every web-page URL of a report, in document order, empty elements skipped. */
function webPageUrls(doc: CyberTiplineReport): string[] {
  return (doc.report.internetDetails ?? []).flatMap((d) => (typeof d.webPageIncident === 'object' ? (d.webPageIncident.url ?? []) : [])).filter((u) => u !== '');
}

/**
 * An `xs:dateTime` as an RFC 3339 time: a time without a zone is read as UTC
 * (decision 0098); one JavaScript cannot represent (a year past 9999) is
 * not relayed.
 */
function incidentTime(value: string): string | undefined {
  const zoned = /(Z|[+-]\d\d:\d\d)$/.test(value) ? value : `${value}Z`;
  return Number.isNaN(Date.parse(zoned)) ? undefined : zoned;
}

/**
 * Maps a validated CyberTipline report: the incident type text ->
 * IncidentType, `incidentDateTime` -> incidentTime, every
 * `webPageIncident/url` -> urls (in order), `escalateToHighPriority` present
 * -> PRIORITY_HIGH (absent: NORMAL, which is what the CyberTipline means by
 * not escalating). No reporter: the CyberTipline's reporter is a person
 * (names, phones, addresses), which the relay does not carry.
 */
export function cyberTiplineToDraft(doc: CyberTiplineReport): ReportDraft {
  const s = doc.report.incidentSummary;
  const time = incidentTime(s.incidentDateTime);
  return {
    incidentType: INCIDENT_TYPES[s.incidentType] ?? IncidentType.INCIDENT_TYPE_UNSPECIFIED,
    ...(time === undefined ? {} : { incidentTime: { value: time, pointer: '/report/incidentSummary/incidentDateTime' } }),
    urls: webPageUrls(doc),
    hashes: [],
    priority: s.escalateToHighPriority === undefined ? Priority.PRIORITY_NORMAL : Priority.PRIORITY_HIGH,
  };
}

/** What the relay keeps of a CyberTipline report; the rest is dropped and listed on the receipt. */
const KEPT = [
  '/report/@xmlns:xsi',
  '/report/@xsi:noNamespaceSchemaLocation',
  '/report/incidentSummary/incidentType',
  '/report/incidentSummary/escalateToHighPriority',
  '/report/incidentSummary/incidentDateTime',
  '/report/internetDetails/*/webPageIncident/url/*',
] as const;

/** The CyberTipline-style XML intake format. */
export const cyberTiplineFormat: IntakeFormat<CyberTiplineReport> = {
  schema: cyberTiplineSchema,
  toDraft: cyberTiplineToDraft,
  kept: () => KEPT,
};
