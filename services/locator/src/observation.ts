import { deriveId, type HostingObservation, type ObservationCause, type RecheckRequest, type Report, type ReportSummary, UNKNOWN_COUNTRY } from '@relay/wire';
import { normaliseUrl } from '@relay/geo';

/**
 * The URLs of a report worth one observation each: the first of every group
 * that normalises to the same URL (a URL that cannot be normalised stands
 * for itself).
 */
export function distinctUrls(urls: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const url of urls) {
    let key: string;
    try {
      key = normaliseUrl(url).normalizedUrl;
    } catch {
      key = `invalid:${url}`;
    }
    if (!seen.has(key)) {
      seen.add(key);
      out.push(url);
    }
  }
  return out;
}

/** The routing-relevant part of a report, carried on every observation it causes. */
export function reportSummary(report: Report): ReportSummary {
  return {
    reportId: report.id,
    source: report.source,
    sourceReportId: report.sourceReportId,
    hashes: report.hashes,
    classification: report.classification,
    priority: report.priority,
    incidentType: report.incidentType,
    receivedAt: report.receivedAt,
    reporterCountry: report.reporter?.country ?? '',
  };
}

/** The cause of an observation made for a recheck. */
export function recheckCause(recheck: RecheckRequest): ObservationCause {
  return { cause: { $case: 'recheck', value: { recheckId: recheck.id, caseId: recheck.caseId, reason: recheck.reason } } };
}

/**
 * Gives a located URL its idempotency id and cause: `deriveId('obs',
 * normalizedUrl, causeId)` (the URL as reported when it could not be
 * normalised), so a redelivered or replayed cause yields the same id.
 */
export function withCause(located: HostingObservation, causeId: string, cause: ObservationCause): HostingObservation {
  return { ...located, id: deriveId('obs', located.normalizedUrl || located.url, causeId), cause };
}

/** The `Nats-Msg-Id` of an observation: its id, prefixed with its origin service. */
export function observationMsgId(observation: HostingObservation): string {
  return `locator:${observation.id}`;
}

/** The country token of `relay.hosting.<CC>`: the observation's country, `XX` when unknown. */
export function hostingCountry(observation: HostingObservation): string {
  return /^[A-Z]{2}$/.test(observation.country) ? observation.country : UNKNOWN_COUNTRY;
}
