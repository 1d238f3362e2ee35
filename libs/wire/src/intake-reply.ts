import { z } from 'zod';
import { Header } from './headers.js';
import { StreamName } from './streams.js';

/**
 * The intake's answer, as the gateway sends it over HTTP and on
 * `relay.intake.submit` and as `@relay/client` reads it: a receipt (202) or
 * an RFC 9457 problem document, with the HTTP-equivalent status in
 * `Relay-Status` on NATS (docs/architecture.md §4, decisions 0010, 0114).
 */

/**
 * Why the gateway refused a submission: one stable code per rule, used as the
 * last segment of the problem `type` URI and in the `rule` member. Reporters
 * code against these, so they only ever grow.
 */
export const IntakeRule = {
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
  /** JetStream's store is full: nothing was stored; resend once space returns (decision 0145). */
  StoreFull: 'store-full',
  /** The gateway has as many submissions in flight as it takes: shed before the body is read (decision 0145). */
  Overloaded: 'overloaded',
  NotFound: 'not-found',
  Internal: 'internal',
} as const;
export type IntakeRule = (typeof IntakeRule)[keyof typeof IntakeRule];

/** Media type of a problem document. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Most violations listed in one problem document. */
export const MAX_PROBLEM_ERRORS = 20;

/** The problem `type` URI of a rule. */
export function problemType(rule: IntakeRule): string {
  return `urn:relay:problem:${rule}`;
}

const rules = z.enum(Object.values(IntakeRule));

/** One violated rule and where: a JSON pointer (RFC 6901) into the submitted document. */
export const violationSchema = z.object({ pointer: z.string(), rule: rules, detail: z.string() });
export type Violation = Readonly<z.infer<typeof violationSchema>>;

/**
 * An RFC 9457 problem document (`application/problem+json`). `pointer` and
 * `rule` repeat the first violation so a client can show one line; `errors`
 * lists every violation found (at most {@link MAX_PROBLEM_ERRORS}).
 */
export const problemSchema = z
  .object({
    type: z.string().describe('`urn:relay:problem:<rule>`'),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    rule: rules.describe('The rule that was broken (stable code)'),
    pointer: z.string().optional().describe('JSON pointer to the offending field of the submitted document'),
    errors: z.array(violationSchema).optional().describe(`Every violation found, at most ${MAX_PROBLEM_ERRORS}`),
  })
  .meta({ description: 'RFC 9457 problem details' });
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly rule: IntakeRule;
  readonly pointer?: string | undefined;
  readonly errors?: readonly Violation[] | undefined;
}

/**
 * What a reporter gets back for a stored report. It names where the report
 * is, and nothing that could differ between resubmissions of the same report
 * (no times, no "duplicate" flag): a resend after a timeout returns a receipt
 * equal to the first.
 */
export const receiptSchema = z
  .object({
    /** Relay report id, derived from source and source report id. */
    reportId: z.string().min(1).meta({ examples: ['rpt_5b2e0c7f9d8a4e1b3c6d2f0a9e8b7c6d'] }),
    source: z.string().meta({ examples: ['ncmec'] }),
    sourceReportId: z.string().meta({ examples: ['171234567'] }),
    /** The stream holding the report, and its sequence there: the original's, for a resubmission. */
    stream: z.literal(StreamName.Reports),
    seq: z.int().min(1),
    /**
     * JSON pointers (RFC 6901, into the submitted document) of what the
     * document held and the relay validated but did not relay: personal
     * data, free text, evidence, other incident kinds, extension fields.
     */
    dropped: z
      .array(z.string())
      .meta({ description: 'JSON pointers of what the report held that was validated and not relayed', examples: [['/report/reporter']] }),
  })
  .meta({ description: 'Sent only after JetStream acknowledged the write; equal for every resubmission' });
export interface Receipt {
  readonly reportId: string;
  readonly source: string;
  readonly sourceReportId: string;
  readonly stream: typeof StreamName.Reports;
  readonly seq: number;
  readonly dropped: readonly string[];
}

/** The outcome of one submission: a receipt (202) or a problem (4xx, 5xx). */
export type IntakeAnswer = { readonly status: 202; readonly receipt: Receipt } | { readonly status: number; readonly problem: Problem };

/** An intake reply on NATS: the JSON document and its headers. */
export interface IntakeReply {
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

// Gateways older than `dropped` leave it out: read as nothing dropped.
const receivedReceiptSchema = receiptSchema.extend({ dropped: receiptSchema.shape.dropped.default([]) });

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The NATS reply of an answer: the JSON document, `Relay-Status`, `Content-Type` and, when given, `Retry-After`. */
export function encodeIntakeReply(answer: IntakeAnswer, retryAfterSeconds?: number): IntakeReply {
  const document = 'receipt' in answer ? answer.receipt : answer.problem;
  const headers: Record<string, string> = {
    [Header.Status]: String(answer.status),
    'Content-Type': 'receipt' in answer ? 'application/json' : PROBLEM_CONTENT_TYPE,
  };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  return { data: encoder.encode(JSON.stringify(document)), headers };
}

/**
 * Reads an intake answer from its status (`Relay-Status` on NATS, the HTTP
 * status over HTTP) and body: a receipt for 202, else the problem document.
 * An answer that is neither (no status, not JSON, another shape) reads as a
 * problem saying so, with the status given (500 when there is none).
 */
export function decodeIntakeAnswer(status: number, body: Uint8Array): IntakeAnswer {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(body));
  } catch {
    json = undefined;
  }
  if (status === 202) {
    const receipt = receivedReceiptSchema.safeParse(json);
    if (receipt.success) return { status: 202, receipt: receipt.data };
  } else {
    const problem = problemSchema.safeParse(json);
    if (problem.success) return { status: problem.data.status, problem: problem.data };
  }
  const known = Number.isInteger(status) && status >= 400 ? status : 500;
  const detail = `unreadable intake reply (status ${status || 'missing'})`;
  return { status: known, problem: { type: problemType(IntakeRule.Internal), title: 'Unreadable reply', status: known, detail, rule: IntakeRule.Internal } };
}

/** Reads a NATS intake reply: {@link decodeIntakeAnswer} with its `Relay-Status`. */
export function decodeIntakeReply(reply: IntakeReply): IntakeAnswer {
  return decodeIntakeAnswer(Number(reply.headers[Header.Status] ?? 0), reply.data);
}
