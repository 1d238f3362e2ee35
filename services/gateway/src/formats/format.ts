import type { Classification, Hash, IncidentType, Priority, Reporter } from '@relay/wire';
import type { z } from 'zod';

/**
 * A report as read from any intake format, before the gateway adds what only
 * it may set (`id`, `source`, `receivedAt`). Every value is already validated.
 */
export interface ReportDraft {
  readonly sourceReportId: string;
  readonly incidentType: IncidentType;
  /** The incident time as written, and where it was written (for a refusal). */
  readonly incidentTime?: { readonly value: string; readonly pointer: string };
  readonly urls: readonly string[];
  readonly hashes: readonly Hash[];
  readonly classification?: Classification;
  readonly priority: Priority;
  readonly reporter?: Reporter;
}

/** One intake format: the strict zod schema of its document and a pure mapping to a draft. */
export interface IntakeFormat<T> {
  /** The schema of the parsed document; unknown fields are errors. */
  readonly schema: z.ZodType<T>;
  /** Maps a document that passed `schema` to a draft, adding no meaning. */
  toDraft(document: T): ReportDraft;
  /** Keys only the gateway sets: naming them in a submission is refused with its own rule. */
  readonly serverSetKeys?: ReadonlySet<string>;
}
