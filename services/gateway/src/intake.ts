import { type Bus, isRetryable, isStoreFullError, publishMessage } from '@relay/bus';
import { childTraceparent, deriveId, type IntakeAnswer, RelayType, type Report, StreamName, subjects } from '@relay/wire';
import { decodeBody, Format } from './decode.js';
import { readReport } from './read-report.js';
import { type Problem, problem, Rule, storeFullProblem } from './problems.js';
import { reportDigest, type ReportLedger } from './report-ledger.js';
import { type OutsideId, outsideReportId, mismatch, SOURCE_REPORT_ID_HEADER } from './source-report-id.js';
import { type FileDetails, readFileDetails } from './formats/file-details.js';
import type { StoredReports } from './stored-reports.js';

/** The outcome of one submission: a receipt (202) or a problem (4xx, 5xx); the contract is @relay/wire's. */
export type Answer = IntakeAnswer;

/** One submission as either transport hands it over, after authentication. */
export interface Submission {
  /** Source id from the API key. */
  readonly source: string;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
  /** W3C trace context sent by the reporter, if any. */
  readonly traceparent?: string | undefined;
  /**
   * Source report ids given outside the body (the `Relay-Source-Report-Id`
   * header, the path of `PUT /v1/reports/{id}`), unchecked: the intake
   * validates them as it validates a body's id.
   */
  readonly outsideIds?: readonly OutsideId[] | undefined;
}

/** Counters the intake keeps (implemented with Prometheus by the gateway). */
export interface IntakeMetrics {
  accepted(source: string, format: Format, outcome: 'stored' | 'duplicate'): void;
  refused(status: number, rule: string): void;
  /** A NATS request was dropped because its reply subject is not a reply inbox. */
  refusedReply(): void;
}

/** What the intake needs from outside. */
export interface IntakeDeps {
  readonly bus: Bus;
  /** Which report each source report id names (decision 0092). */
  readonly ledger: ReportLedger;
  /** Finds a stored report by its source report id (a fileDetails names its report so). */
  readonly reports: StoredReports;
  readonly maxBodyBytes: number;
  /** Wait for each JetStream ack, ms. */
  readonly publishTimeoutMs: number;
  /** Publish attempts (same msgId) before answering 503. */
  readonly publishAttempts: number;
  readonly now: () => Date;
  readonly metrics: IntakeMetrics;
  readonly log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
}

/** The intake shared by `POST /v1/reports` and `relay.intake.submit`. */
export interface Intake {
  submit(submission: Submission): Promise<Answer>;
}

/**
 * Creates the intake: decode -> validate and map -> bind the id to the
 * report's digest in the intake ledger (compare-and-set) -> publish on
 * `relay.report.<source>` with `Nats-Msg-Id = <source>:<sourceReportId>` ->
 * note the sequence -> receipt, only once JetStream acknowledged. An id
 * already bound to the same digest gets the first receipt back and nothing
 * is stored again, however late the resend; bound to a different digest, the
 * answer is 409. When NATS is down or the ack does not come, the answer is
 * 503 and the reporter resends; the ledger binds before the publish, so a
 * crash between the two leaves a claim that the resend completes.
 */
export function createIntake(deps: IntakeDeps): Intake {
  const refuse = (p: Problem): Answer => {
    deps.metrics.refused(p.status, p.rule);
    deps.log.debug({ status: p.status, rule: p.rule, pointer: p.pointer }, 'report refused');
    return { status: p.status, problem: p };
  };
  const unavailable = (): Answer =>
    refuse(
      problem(503, Rule.Unavailable, 'JetStream did not acknowledge the report, so it may not be stored: resend the same report (a resend is never stored twice)'),
    );
  const failed = (err: unknown, source: string): Answer => {
    if (isStoreFullError(err)) {
      deps.log.warn({ source }, 'JetStream store full: report refused, nothing stored');
      return refuse(storeFullProblem());
    }
    if (isRetryable(err)) return unavailable();
    deps.log.error({ err, source }, 'storing a report failed');
    return refuse(problem(500, Rule.Internal, 'the report could not be stored'));
  };
  const receipt = (report: Report, seq: number, dropped: readonly string[]): Answer => ({
    status: 202,
    receipt: { reportId: report.id, source: report.source, sourceReportId: report.sourceReportId, stream: StreamName.Reports, seq, dropped },
  });
  /** Binds the report's id in the ledger, publishes it once, and answers with its receipt (decision 0092). */
  const store = async (s: Submission, format: Format, report: Report, dropped: readonly string[]): Promise<Answer> => {
    const digest = reportDigest(report);
    let claim;
    try {
      claim = await deps.ledger.claim(report, digest);
    } catch (err) {
      return failed(err, s.source);
    }
    if (claim.kind === 'conflict') return refuse(conflict(report));
    const msgId = `${s.source}:${report.sourceReportId}`;
    let lostSeq: number | undefined;
    if (claim.kind === 'same' && claim.seq !== undefined) {
      try {
        // Acknowledged, then lost (decision 0153): the resend stores it again instead of a receipt for nothing.
        if (await deps.reports.givenToAnother(claim.seq, msgId)) lostSeq = claim.seq;
      } catch (err) {
        return failed(err, s.source);
      }
      if (lostSeq === undefined) {
        deps.metrics.accepted(s.source, format, 'duplicate');
        return receipt(report, claim.seq, dropped);
      }
      deps.log.warn({ source: s.source, seq: lostSeq }, 'REPORTS holds another message at the sequence this report was acknowledged with: storing it again');
    }
    let stored;
    try {
      stored = await publishMessage(deps.bus, subjects.report(s.source), RelayType.Report, report, {
        msgId,
        origin: s.source,
        traceparent: childTraceparent(s.traceparent),
        attempts: deps.publishAttempts,
        timeoutMs: deps.publishTimeoutMs,
      });
    } catch (err) {
      return failed(err, s.source);
    }
    let seq = stored.seq;
    try {
      seq = await deps.ledger.recordStored(report, digest, stored.seq, claim.revision, lostSeq);
    } catch (err) {
      // The report is stored; without its sequence noted a later resend publishes again,
      // which the duplicate window (or, after it, the dispatcher's applied-report check) absorbs.
      deps.log.warn({ err, source: s.source }, 'noting the sequence of a stored report failed');
    }
    deps.metrics.accepted(s.source, format, stored.duplicate ? 'duplicate' : 'stored');
    return receipt(report, seq, dropped);
  };

  /**
   * A `<fileDetails>`: found its report by the number it names (the ledger
   * holds the report's sequence, REPORTS the report), and stores the file as
   * a report that supplements it (decision 0101). A report the relay does
   * not hold is refused (409 `report-not-known`): nothing is kept, and the
   * sender resends once the report is in.
   */
  const storeFile = async (s: Submission, tree: unknown, outsideId: OutsideId | undefined): Promise<Answer> => {
    const read = readFileDetails(tree);
    if (!read.ok) return refuse(read.problem);
    const file = read.file;
    if (outsideId !== undefined && outsideId.value !== file.reportId) {
      return refuse(mismatch(outsideId, file.reportId, '/fileDetails/reportId in the body', '/fileDetails/reportId'));
    }
    if (!deps.bus.isConnected()) return unavailable();
    let parent;
    try {
      parent = await deps.reports.find(s.source, file.reportId);
    } catch (err) {
      return failed(err, s.source);
    }
    if (parent === undefined) return refuse(notKnown(s.source, file.reportId));
    return store(s, Format.FileDetails, fileReport(parent, file, deps.now()), file.dropped);
  };

  return {
    async submit(s) {
      const decoded = decodeBody(s.body, s.contentType, deps.maxBodyBytes);
      if (!decoded.ok) return refuse(decoded.problem);
      const outside = outsideReportId(s.outsideIds ?? []);
      if (!outside.ok) return refuse(outside.problem);
      if (decoded.format === Format.FileDetails) return storeFile(s, decoded.tree, outside.id);
      const read = readReport(decoded.format, decoded.tree, { source: s.source, now: deps.now(), outsideId: outside.id });
      if (!read.ok) return refuse(read.problem);
      if (!deps.bus.isConnected()) return unavailable();
      return store(s, decoded.format, read.report, read.dropped);
    },
  };
}

/**
 * The relay report of a file: the parent's URLs (so it reaches the cases
 * the parent opened), incident and priority, the file's hashes and
 * classification, NCMEC's number, and `supplements` naming the parent.
 */
function fileReport(parent: Report, file: FileDetails, now: Date): Report {
  return {
    id: deriveId('rpt', parent.source, file.sourceReportId),
    source: parent.source,
    sourceReportId: file.sourceReportId,
    incidentType: parent.incidentType,
    incidentTime: parent.incidentTime,
    receivedAt: now,
    urls: [...parent.urls],
    hashes: [...file.hashes],
    classification: file.classification,
    priority: parent.priority,
    reporter: undefined,
    ncmecReportId: file.reportId,
    supplements: parent.id,
  };
}

/** The 409 for a file whose report the relay does not hold. */
function notKnown(source: string, reportId: string): Problem {
  return problem(
    409,
    Rule.ReportNotKnown,
    `no report ${reportId} of ${source} is known to the relay, so the file cannot join it; nothing was stored: ` +
      `send the report first with its number (${SOURCE_REPORT_ID_HEADER} header or PUT /v1/reports/${reportId}), then resend this fileDetails`,
    '/fileDetails/reportId',
  );
}

/** The 409 for an id bound to another report: names the id and the rule, never either report's content. */
function conflict(report: Report): Problem {
  return problem(
    409,
    Rule.ReportIdConflict,
    `source report id ${report.sourceReportId} of ${report.source} already names a different report (its content digest differs); ` +
      'a source report id stays one report for ever: send a changed report under a new id',
  );
}
