import type { Audience, HostingStatus, NoticeKind } from '@relay/wire';
import { type CaseAuditView, caseAuditViewSchema } from '@relay/cases';

/** A report as read from REPORTS: what reconciliation needs of it. */
export interface ReportEntry {
  readonly seq: number;
  readonly time: Date;
  readonly id: string;
  readonly source: string;
  readonly sourceReportId: string;
  readonly urls: readonly string[];
  /** Its `Nats-Msg-Id` (`<source>:<source report id>`). */
  readonly msgId: string;
}

/** A hosting observation as read from HOSTING. */
export interface ObservationEntry {
  readonly seq: number;
  readonly id: string;
  /** The report that caused it; undefined for a recheck answer. */
  readonly reportId: string | undefined;
  readonly url: string;
  readonly normalizedUrl: string;
  readonly status: HostingStatus;
}

/**
 * The latest hosting observation in scope that answered a recheck of a case
 * (a relocation, a hoster change or nothing new): the case is judged even
 * when no report in scope names its URL.
 */
export interface RecheckedEntry {
  readonly seq: number;
  readonly caseId: string;
  readonly normalizedUrl: string;
}

/** A referral as read from REFERRALS. */
export interface ReferralEntry {
  readonly seq: number;
  readonly time: Date;
  readonly id: string;
  readonly caseId: string;
  readonly supersedes: string;
  readonly jurisdiction: string;
  readonly hotline: string;
  /** Id of the observation it was routed on: the event that caused it. */
  readonly hostingId: string;
}

/** A notice as read from NOTICES. */
export interface NoticeEntry {
  readonly seq: number;
  readonly time: Date;
  readonly id: string;
  readonly caseId: string;
  readonly referralId: string;
  readonly kind: NoticeKind;
  readonly audience: Audience;
  readonly country: string;
  readonly hotline: string;
  /** Id of the observation after the event (relocations, hoster changes). */
  readonly hostingAfterId: string;
  /** Deadline it is about (escalations), ms; undefined when none. */
  readonly deadline: number | undefined;
}

/** A DLQ entry: where the message that could not be processed came from. */
export interface DlqEntry {
  readonly seq: number;
  /** `STREAM:seq` of the original. */
  readonly source: string;
  /** The original `Nats-Msg-Id`. */
  readonly msgId: string;
  /** `Relay-Error`. */
  readonly error: string;
}

/** A message that has no usable payload for its stream (kept so it is not silently skipped). */
export interface UndecodableEntry {
  readonly stream: string;
  readonly seq: number;
  readonly msgId: string;
  readonly error: string;
}

/**
 * The few fields of a case (KV `relay-cases`) reconciliation reads: a view
 * picked from the one case schema of @relay/cases (decision 0140).
 */
export const caseViewSchema = caseAuditViewSchema;

/** What reconciliation knows of a case. */
export type CaseView = CaseAuditView;

/** Everything read from the streams and the case bucket, indexed for the checks. */
export interface Ledger {
  /** Reports in scope (from `since`), in stream order. */
  readonly reports: readonly ReportEntry[];
  /** Observations per causing report id. */
  readonly observationsByReport: ReadonlyMap<string, readonly ObservationEntry[]>;
  /** Cases whose URL was rechecked in scope, by case id: the latest such observation (HOSTING). */
  readonly rechecked: ReadonlyMap<string, RecheckedEntry>;
  /** Every referral read (all of REFERRALS). */
  readonly referrals: readonly ReferralEntry[];
  /** Every notice read (all of NOTICES). */
  readonly notices: readonly NoticeEntry[];
  readonly dlq: readonly DlqEntry[];
  /**
   * Case id -> its state, or undefined when the key does not exist (or does not parse: see `caseErrors`;
   * or, for a case only rechecked in scope, holds its tombstone).
   */
  readonly cases: ReadonlyMap<string, CaseView | undefined>;
  /** Case id -> why its stored value could not be read. */
  readonly caseErrors: ReadonlyMap<string, string>;
  /** Messages in REPORTS or HOSTING that did not decode. */
  readonly undecodable: readonly UndecodableEntry[];
  /** Referrals and notices stored at or after this time are checked for duplicates; all when undefined. */
  readonly since: Date | undefined;
  /** REFERRALS and NOTICES were read from this time only: decisions issued before it are not checked (earlier rounds did). */
  readonly messagesSince?: Date | undefined;
  /** The last sequence read of REFERRALS and NOTICES (0 when empty): where a later read goes on. */
  readonly readTo: { readonly referrals: number; readonly notices: number };
  /** The pipeline consumers' ack floors, read before the streams: what lies above them is in flight. */
  readonly floors: AckFloors;
}

/**
 * The ack floors of the pipeline's durable consumers (every message up to the
 * floor is acknowledged): `locator-reports` on REPORTS, `dispatcher-hosting`
 * on HOSTING. Undefined when the consumer does not exist (the service never
 * ran): then nothing counts as in flight.
 */
export interface AckFloors {
  readonly reports?: number;
  readonly hosting?: number;
}
