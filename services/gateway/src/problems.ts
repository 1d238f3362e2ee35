import { z } from 'zod';

/**
 * Why the gateway refused a submission: one stable code per rule, used as the
 * last segment of the problem `type` URI and in the `rule` member. Reporters
 * code against these, so they only ever grow.
 */
export const Rule = {
  Unauthenticated: 'unauthenticated',
  Forbidden: 'forbidden',
  RateLimited: 'rate-limited',
  BodyTooLarge: 'body-too-large',
  UnsupportedMediaType: 'unsupported-media-type',
  UnsupportedCharset: 'unsupported-charset',
  NotUtf8: 'not-utf8',
  NullByte: 'null-byte',
  ControlCharacter: 'control-character',
  TooDeep: 'too-deep',
  MalformedJson: 'malformed-json',
  MalformedXml: 'malformed-xml',
  DtdForbidden: 'dtd-forbidden',
  UnknownEntity: 'unknown-entity',
  ForbiddenKey: 'forbidden-key',
  UnknownField: 'unknown-field',
  ServerSetField: 'server-set-field',
  WrongType: 'wrong-type',
  Required: 'required',
  TooLong: 'too-long',
  TooShort: 'too-short',
  TooMany: 'too-many',
  NotAllowedValue: 'not-allowed-value',
  Format: 'format',
  IdFormat: 'id-format',
  ContentNotAccepted: 'content-not-accepted',
  UrlInvalid: 'url-invalid',
  UrlScheme: 'url-scheme',
  HashLength: 'hash-length',
  HashAlphabet: 'hash-alphabet',
  IncidentTimeFuture: 'incident-time-future',
  /** The report names no web-page URL, the only thing the relay routes. */
  NothingToRoute: 'nothing-to-route',
  ReportIdConflict: 'report-id-conflict',
  /** The body and a header or path name different source report ids. */
  SourceReportIdMismatch: 'source-report-id-mismatch',
  /** A fileDetails names a report the relay does not hold. */
  ReportNotKnown: 'report-not-known',
  Unavailable: 'unavailable',
  NotFound: 'not-found',
  Internal: 'internal',
} as const;
export type Rule = (typeof Rule)[keyof typeof Rule];

/** One violated rule and where: a JSON pointer (RFC 6901) into the submitted document. */
export interface Violation {
  readonly pointer: string;
  readonly rule: Rule;
  readonly detail: string;
}

/**
 * An RFC 9457 problem document (`application/problem+json`). `pointer` and
 * `rule` repeat the first violation so a client can show one line; `errors`
 * lists every violation found (at most {@link MAX_ERRORS}).
 */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly rule: Rule;
  readonly pointer?: string;
  readonly errors?: readonly Violation[];
}

/** Media type of a problem document. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Most violations listed in one problem document. */
export const MAX_ERRORS = 20;

const TITLES: Readonly<Record<number, string>> = {
  400: 'Invalid report',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  413: 'Report too large',
  409: 'Report id already used',
  415: 'Unsupported media type',
  429: 'Too many reports',
  500: 'Internal error',
  503: 'Not stored, retry later',
};

/** The problem `type` URI of a rule. */
export function problemType(rule: Rule): string {
  return `urn:relay:problem:${rule}`;
}

/** A problem with one cause; `pointer` names the field when there is one. */
export function problem(status: number, rule: Rule, detail: string, pointer?: string): Problem {
  return {
    type: problemType(rule),
    title: TITLES[status] ?? 'Refused',
    status,
    detail,
    rule,
    ...(pointer === undefined ? {} : { pointer, errors: [{ pointer, rule, detail }] }),
  };
}

/** A 400 problem listing violations (the first one is summarised at the top). */
export function invalid(violations: readonly Violation[]): Problem {
  const list = violations.slice(0, MAX_ERRORS);
  const first = list[0] ?? { pointer: '', rule: Rule.Format, detail: 'the report is invalid' };
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
  return {
    type: problemType(first.rule),
    title: TITLES[400] ?? 'Invalid report',
    status: 400,
    detail: `${first.pointer || '/'}: ${first.detail}${more}`,
    rule: first.rule,
    pointer: first.pointer,
    errors: list,
  };
}

/** A JSON pointer (RFC 6901) for a path of keys and indexes. */
export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** The zod schema of a problem document, for the OpenAPI description. */
export const problemSchema = z
  .object({
    type: z.string().describe('`urn:relay:problem:<rule>`'),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    rule: z.enum(Object.values(Rule)).describe('The rule that was broken (stable code)'),
    pointer: z.string().optional().describe('JSON pointer to the offending field of the submitted document'),
    errors: z
      .array(z.object({ pointer: z.string(), rule: z.enum(Object.values(Rule)), detail: z.string() }))
      .optional()
      .describe(`Every violation found, at most ${MAX_ERRORS}`),
  })
  .meta({ description: 'RFC 9457 problem details' });
