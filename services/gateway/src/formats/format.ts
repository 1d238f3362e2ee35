import type { Classification, Hash, IncidentType, Priority, Reporter } from '@relay/wire';
import type { z } from 'zod';
import type { Violation } from '../problems.js';

/**
 * A report as read from any intake format, before the gateway adds what only
 * it may set (`id`, `source`, `receivedAt`). Every value is already validated.
 */
export interface ReportDraft {
  /** The reporter's own id; absent when the document has none (the gateway derives one, see `readReport`). */
  readonly sourceReportId?: string;
  readonly incidentType: IncidentType;
  /** The incident time as written, and where it was written (for a refusal). */
  readonly incidentTime?: { readonly value: string; readonly pointer: string };
  readonly urls: readonly string[];
  readonly hashes: readonly Hash[];
  readonly classification?: Classification;
  readonly priority: Priority;
  readonly reporter?: Reporter;
  /** The NCMEC CyberTipline report number of the same incident, when the document names one. */
  readonly ncmecReportId?: string;
}

/** One intake format: the schema of its document and a pure mapping to a draft. */
export interface IntakeFormat<T> {
  /**
   * The schema of the parsed document as far as the relay reads it. For the
   * native format it is the whole format and unknown fields are errors; for
   * the external formats it covers what is relayed, after {@link check}.
   */
  readonly schema: z.ZodType<T>;
  /** Maps a document that passed `schema` to a draft, adding no meaning. */
  toDraft(document: T): ReportDraft;
  /** Keys only the gateway sets: naming them in a submission is refused with its own rule. */
  readonly serverSetKeys?: ReadonlySet<string>;
  /** Validation by the format's own published schema, before {@link schema}; violations refuse the report. */
  check?(document: unknown): readonly Violation[];
  /**
   * JSON pointers of what is relayed, `*` matching any key or index. Whatever
   * else the document holds is validated and then dropped, and the receipt
   * lists its pointers. Absent: nothing is dropped (the schema is strict).
   */
  kept?(document: unknown): readonly string[];
  /** Pointers (same patterns) of values dropped unread, never scanned: evidence payloads. */
  readonly unread?: readonly string[];
}
