import { Header } from '@relay/wire';
import { isSourceReportId, SOURCE_REPORT_ID } from './fields.js';
import { type Problem, problem, Rule } from './problems.js';

/** The HTTP and NATS header in which a sender gives the source report id from outside the body. */
export const SOURCE_REPORT_ID_HEADER = Header.SourceReportId;

/** The source report id rule as an OpenAPI `pattern`. */
export const SOURCE_REPORT_ID_PATTERN = SOURCE_REPORT_ID.source;

/** Where an id given from outside the body was written, as a problem names it. */
export const IdPlace = {
  Header: `the ${SOURCE_REPORT_ID_HEADER} header`,
  Path: 'the path /v1/reports/{id}',
} as const;
export type IdPlace = (typeof IdPlace)[keyof typeof IdPlace];

/** A source report id the sender gave outside the body (header or path), as received: hostile until checked. */
export interface OutsideId {
  readonly value: string;
  readonly place: IdPlace;
}

/**
 * Checks the ids given outside the body (a header, a path, or both) and
 * returns the one id they name (the first place naming it), undefined when none was given, or the
 * problem: an id that is not a source report id token (`id-format`, the
 * same rule as the body's `sourceReportId`), or two that disagree
 * (`source-report-id-mismatch`). The value is echoed only once validated.
 */
export function outsideReportId(ids: readonly OutsideId[]): { ok: true; id: OutsideId | undefined } | { ok: false; problem: Problem } {
  let chosen: OutsideId | undefined;
  for (const id of ids) {
    if (!isSourceReportId(id.value)) {
      return {
        ok: false,
        problem: problem(400, Rule.IdFormat, `${id.place} is not a source report id: it must be 1-100 characters of [A-Za-z0-9_-], starting with a letter or digit`),
      };
    }
    if (chosen !== undefined && chosen.value !== id.value) return { ok: false, problem: mismatch(chosen, id.value, id.place) };
    chosen ??= id;
  }
  return { ok: true, id: chosen };
}

/** The 400 for two places naming different source report ids; both ids are validated tokens, safe to echo. */
export function mismatch(outside: OutsideId, other: string, otherPlace: string, pointer?: string): Problem {
  return problem(
    400,
    Rule.SourceReportIdMismatch,
    `${outside.place} names source report id ${outside.value} but ${otherPlace} names ${other}: a report has one id; send the same id in both places or only one`,
    pointer,
  );
}
