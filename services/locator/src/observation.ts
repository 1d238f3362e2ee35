import {
  deriveId,
  type HostingObservation,
  isCountryCode,
  MAX_OBSERVED_ADDRESSES,
  MAX_OBSERVED_CNAMES,
  type ObservationCause,
  type RecheckRequest,
  type Report,
  type ReportSummary,
  UNKNOWN_COUNTRY,
} from '@relay/wire';
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

/**
 * The routing-relevant part of a report, carried on every observation it
 * causes. The hashes stay on the report (stream sequence `seq` of REPORTS):
 * a report of many URLs is not copied into every observation (decision 0094).
 */
export function reportSummary(report: Report, seq: number): ReportSummary {
  return {
    reportId: report.id,
    source: report.source,
    sourceReportId: report.sourceReportId,
    hashes: [],
    reportSeq: BigInt(seq),
    hashCount: report.hashes.length,
    classification: report.classification,
    priority: report.priority,
    incidentType: report.incidentType,
    receivedAt: report.receivedAt,
    reporterCountry: report.reporter?.country ?? '',
    // A fileDetails report: the dispatcher adds its files to the cases of the report it names.
    supplements: report.supplements,
  };
}

/** The cause of an observation made for a recheck. */
export function recheckCause(recheck: RecheckRequest): ObservationCause {
  return { cause: { $case: 'recheck', value: { recheckId: recheck.id, caseId: recheck.caseId, reason: recheck.reason } } };
}

/**
 * Gives a located URL its idempotency id and cause: `deriveId('obs',
 * normalizedUrl, causeId)` (the URL as reported when it could not be
 * normalised), so a redelivered or replayed cause yields the same id. At
 * most {@link MAX_OBSERVED_ADDRESSES} addresses and {@link MAX_OBSERVED_CNAMES}
 * CNAMEs are kept.
 */
export function withCause(located: HostingObservation, causeId: string, cause: ObservationCause): HostingObservation {
  // The jurisdiction was decided on every address; the record keeps a bounded part of a hostile DNS answer.
  const addresses = located.addresses.length > MAX_OBSERVED_ADDRESSES ? located.addresses.slice(0, MAX_OBSERVED_ADDRESSES) : located.addresses;
  const cnameChain = located.cnameChain.length > MAX_OBSERVED_CNAMES ? located.cnameChain.slice(0, MAX_OBSERVED_CNAMES) : located.cnameChain;
  return { ...located, addresses, cnameChain, id: deriveId('obs', located.normalizedUrl || located.url, causeId), cause };
}

/** The `Nats-Msg-Id` of an observation: its id, prefixed with its origin service. */
export function observationMsgId(observation: HostingObservation): string {
  return `locator:${observation.id}`;
}

/** The country token of `relay.hosting.<CC>`: the observation's country, `XX` when unknown. */
export function hostingCountry(observation: HostingObservation): string {
  return isCountryCode(observation.country) ? observation.country : UNKNOWN_COUNTRY;
}
