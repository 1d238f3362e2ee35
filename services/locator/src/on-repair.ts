import { fetchStoredMessage, headerValue, PoisonMessageError, type VerifyMessage } from '@relay/bus';
import { urlKey } from '@relay/geo';
import { childTraceparent, decodeMessage, Header, type RecheckRequest, RelayType, StreamName } from '@relay/wire';
import { emitObservation } from './emit.js';
import { distinctUrls, reportSummary, withCause } from './observation.js';
import type { HandlerDeps } from './on-report.js';

/** What a repair needs besides the handler's usual parts. */
export interface RepairDeps extends HandlerDeps {
  /** The check every report passes on REPORTS (signed by the gateway): a report read by sequence passes it too. */
  readonly verifyReport?: VerifyMessage;
}

/**
 * A repair request (decision 0154): `relay audit --repair` found a report in
 * REPORTS whose URL has no observation, or an observation but no case (a
 * write the server acknowledged and lost). Reads the report at the sequence
 * named, checks it is that report and signed as every report must be, and
 * observes the URL as the REPORTS handler would, with the report as cause,
 * under an id derived from the request: HOSTING stores it even where it still
 * remembers the lost id, and a redelivered request is dropped. The dispatcher
 * decides on it as on any observation of the report: a case that has the
 * report changes nothing, a missing case is opened with its derived referral
 * ids (a referral still held is not stored twice). A request naming a report
 * or URL REPORTS does not hold is refused (DLQ).
 * @throws PoisonMessageError for a request that cannot be honoured.
 * @throws the bus's error (retryable) when REPORTS cannot be read or HOSTING does not acknowledge.
 */
export async function repairObservation(deps: RepairDeps, recheck: RecheckRequest): Promise<void> {
  if (recheck.reportId === '' || recheck.reportSeq === 0n) throw new PoisonMessageError('repair-invalid', 'a repair request must name a report and its sequence in REPORTS');
  const seq = Number(recheck.reportSeq);
  const stored = await fetchStoredMessage(deps.bus, StreamName.Reports, seq);
  if (!stored || headerValue(stored.headers, Header.Type) !== RelayType.Report) {
    throw new PoisonMessageError('repair-report-missing', `REPORTS holds no report at sequence ${seq}`);
  }
  deps.verifyReport?.({ data: stored.data, headers: stored.headers, subject: stored.subject, storedAt: stored.time.getTime() });
  const report = decodeMessage(RelayType.Report, stored.data);
  if (report.id !== recheck.reportId) {
    throw new PoisonMessageError('repair-report-missing', `REPORTS:${seq} holds report ${report.id}, not ${recheck.reportId}`);
  }
  const wanted = urlKey(recheck.url);
  const url = distinctUrls(report.urls).find((u) => urlKey(u) === wanted);
  if (url === undefined) throw new PoisonMessageError('repair-url-not-in-report', `report ${report.id} does not name ${recheck.url}`);
  const cause = { cause: { $case: 'report' as const, value: reportSummary(report, seq) } };
  const observation = { ...withCause(await deps.locate(url), recheck.id, cause), repair: true };
  const origin = headerValue(stored.headers, Header.Origin) ?? report.source;
  const emitted = await emitObservation(deps.bus, observation, { origin, traceparent: childTraceparent(headerValue(stored.headers, Header.TraceParent)) });
  deps.observed?.(observation, emitted);
}
