import { type Bus, fetchStoredMessage } from '@relay/bus';
import { decodeMessage, Header, RelayType, type Report, StreamName } from '@relay/wire';
import type { ReportLedger } from './report-ledger.js';

/** Stored reports by their source report id. */
export interface StoredReports {
  /**
   * The report stored under `<source>:<sourceReportId>`, or undefined when the
   * relay holds none: the id was never used, its first publish was not
   * acknowledged yet, or REPORTS no longer holds it (older than its max age).
   * @throws what the bus throws when NATS, the ledger or REPORTS is unreachable (retryable).
   */
  find(source: string, sourceReportId: string): Promise<Report | undefined>;
  /**
   * True when REPORTS holds another message at `seq`, the sequence a publish
   * with `msgId` was acknowledged with: that write was lost and the sequence
   * given to another (a leader partition on nats-server 2.9, decision 0153).
   * False when the report is there, or nothing is (expired or erased).
   * @throws what the bus throws when REPORTS is unreachable (retryable).
   */
  givenToAnother(seq: number, msgId: string): Promise<boolean>;
}

/**
 * Finds a report through the intake ledger (which notes its REPORTS
 * sequence, decision 0092) and reads it from REPORTS by that sequence, as the
 * dispatcher reads a referral's hashes (decision 0094). The message there
 * must be that very report.
 */
export function createStoredReports(bus: Bus, ledger: ReportLedger): StoredReports {
  return {
    async find(source, sourceReportId) {
      const entry = await ledger.find(source, sourceReportId);
      if (entry?.seq === undefined) return undefined;
      const stored = await fetchStoredMessage(bus, StreamName.Reports, entry.seq);
      if (!stored || stored.headers[Header.Type] !== RelayType.Report) return undefined;
      const report = decodeMessage(RelayType.Report, stored.data);
      return report.source === source && report.sourceReportId === sourceReportId ? report : undefined;
    },
    async givenToAnother(seq, msgId) {
      const stored = await fetchStoredMessage(bus, StreamName.Reports, seq);
      return stored !== undefined && stored.headers[Header.MsgId] !== msgId;
    },
  };
}
