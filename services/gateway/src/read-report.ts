import { deriveId, encodedUrlBytes, type Report } from '@relay/wire';
import type { z } from 'zod';
import { Format } from './decode.js';
import { digestReportId, droppedParts } from './dropped.js';
import { CONTENT_KEY, MAX_HASHES, MAX_URL_BYTES_TOTAL, MAX_URLS } from './fields.js';
import { cyberTiplineFormat } from './formats/cybertipline.js';
import type { IntakeFormat, ReportDraft } from './formats/format.js';
import { nativeFormat } from './formats/native.js';
import { xarfFormat } from './formats/xarf.js';
import { invalid, type Problem, problem, Rule, toPointer, type Violation } from './problems.js';
import { mismatch, type OutsideId } from './source-report-id.js';

/** How far in the future an incident time may lie (clock skew between reporter and relay), ms. */
export const CLOCK_SKEW_MS = 5 * 60_000;

interface FormatEntry {
  readonly format: IntakeFormat<unknown>;
  readonly urlsPointer: string;
  readonly hashesPointer: string;
  /** Where the document holds its own source report id; absent when the format has none (CyberTipline). */
  readonly idPointer?: string;
}

/** The formats whose documents are reports (a `fileDetails` adds to one: `intake.ts`). */
export type ReportFormat = Exclude<Format, typeof Format.FileDetails>;

const FORMATS: Readonly<Record<ReportFormat, FormatEntry>> = {
  [Format.Native]: { format: nativeFormat, urlsPointer: '/urls', hashesPointer: '/hashes', idPointer: '/sourceReportId' },
  [Format.CyberTipline]: {
    format: cyberTiplineFormat,
    urlsPointer: '/report/internetDetails',
    hashesPointer: '/report',
  },
  [Format.Xarf]: { format: xarfFormat, urlsPointer: '/url', hashesPointer: '/hash_values', idPointer: '/report_id' },
};

/** What the gateway adds to a document: the source from the API key, the time, and an id given outside the body. */
export interface ReadContext {
  readonly source: string;
  readonly now: Date;
  /** A source report id from the header or path, already validated by `outsideReportId`. */
  readonly outsideId?: OutsideId | undefined;
}

/**
 * A report ready to publish with the JSON pointers of what the document held
 * and the relay dropped (validated, never relayed), or why it was refused.
 */
export type IntakeResult =
  | { readonly ok: true; readonly report: Report; readonly dropped: readonly string[] }
  | { readonly ok: false; readonly problem: Problem };

/**
 * Turns a decoded document into a `relay.v1.Report`: validates it by its
 * format's published schema (`check`) and the relay's own rules (`schema`),
 * lists and drops what the relay does not carry, maps it, checks what spans
 * fields (a URL to route, URL and hash counts, an incident time not in the
 * future), and adds what only the gateway sets: `source` (from the API key,
 * never the body), the derived `id` and `receivedAt`, and the source report
 * id: the body's own, else the one given outside the body (header or path),
 * else a digest of the canonical document. A body id and an outside id that
 * differ refuse the report (400 `source-report-id-mismatch`, naming both
 * places). A CyberTipline document's outside id is NCMEC's report number, so
 * it is also the report's `ncmecReportId` (decision 0100). Pure: the same
 * input and `now` give the same output.
 */
export function readReport(format: Format, document: unknown, context: ReadContext): IntakeResult {
  if (format === Format.FileDetails) {
    return { ok: false, problem: problem(400, Rule.NotAllowedValue, 'a <fileDetails> is a file of a report, not a report: the intake adds it to its report', '/fileDetails') };
  }
  const { format: spec, urlsPointer, hashesPointer, idPointer } = FORMATS[format];
  const checked = spec.check?.(document) ?? [];
  if (checked.length > 0) return { ok: false, problem: invalid(checked) };
  const parsed = spec.schema.safeParse(document);
  if (!parsed.success) return { ok: false, problem: invalid(violationsOf(parsed.error.issues, document, spec.serverSetKeys)) };
  const parts = spec.kept ? droppedParts(document, spec.kept(document), spec.unread) : { dropped: [], violations: [] };
  if (parts.violations.length > 0) return { ok: false, problem: invalid(parts.violations) };
  const draft = spec.toDraft(parsed.data);
  const violations = crossFieldViolations(draft, context.now, urlsPointer, hashesPointer);
  if (violations.length > 0) return { ok: false, problem: invalid(violations) };
  const outside = context.outsideId;
  if (outside !== undefined && draft.sourceReportId !== undefined && draft.sourceReportId !== outside.value) {
    const pointer = idPointer ?? '';
    return { ok: false, problem: mismatch(outside, draft.sourceReportId, `${pointer} in the body`, pointer) };
  }
  const sourceReportId = draft.sourceReportId ?? outside?.value ?? digestReportId(document);
  const ncmec = format === Format.CyberTipline && outside !== undefined ? { ...draft, ncmecReportId: outside.value } : draft;
  return { ok: true, report: toReport(ncmec, sourceReportId, context), dropped: parts.dropped };
}

function crossFieldViolations(draft: ReportDraft, now: Date, urlsPointer: string, hashesPointer: string): Violation[] {
  const out: Violation[] = [];
  if (draft.urls.length === 0) {
    out.push({
      pointer: urlsPointer,
      rule: Rule.NothingToRoute,
      detail: 'the report names no web-page URL; the relay routes reports by URL, so there is nothing it can route',
    });
  }
  if (draft.urls.length > MAX_URLS) {
    out.push({ pointer: urlsPointer, rule: Rule.TooMany, detail: `the report names ${draft.urls.length} URLs; at most ${MAX_URLS} are accepted` });
  }
  const urlBytes = draft.urls.reduce((n, url) => n + encodedUrlBytes(url), 0);
  if (draft.urls.length <= MAX_URLS && urlBytes > MAX_URL_BYTES_TOTAL) {
    // What REPORTS and a referral can carry bounds the URLs together, not only one by one (decision 0094).
    out.push({ pointer: urlsPointer, rule: Rule.TooLong, detail: `the report's URLs take ${urlBytes} bytes together; at most ${MAX_URL_BYTES_TOTAL} are accepted` });
  }
  if (draft.hashes.length > MAX_HASHES) {
    out.push({ pointer: hashesPointer, rule: Rule.TooMany, detail: `the report has ${draft.hashes.length} hashes; at most ${MAX_HASHES} are accepted` });
  }
  const t = draft.incidentTime;
  if (t !== undefined && Date.parse(t.value) > now.getTime() + CLOCK_SKEW_MS) {
    out.push({ pointer: t.pointer, rule: Rule.IncidentTimeFuture, detail: `${t.value} lies in the future` });
  }
  return out;
}

function toReport(draft: ReportDraft, sourceReportId: string, context: { readonly source: string; readonly now: Date }): Report {
  return {
    id: deriveId('rpt', context.source, sourceReportId),
    source: context.source,
    sourceReportId,
    incidentType: draft.incidentType,
    incidentTime: draft.incidentTime === undefined ? undefined : new Date(draft.incidentTime.value),
    receivedAt: context.now,
    urls: [...draft.urls],
    hashes: draft.hashes.map((h) => ({ algorithm: h.algorithm, value: h.value })),
    classification: draft.classification,
    priority: draft.priority,
    reporter: draft.reporter,
    ...(draft.ncmecReportId === undefined ? {} : { ncmecReportId: draft.ncmecReportId }),
  };
}

/** Translates zod issues into violations with JSON pointers and stable rule codes. */
export function violationsOf(issues: readonly z.core.$ZodIssue[], document: unknown, serverSet: ReadonlySet<string> | undefined): Violation[] {
  const out: Violation[] = [];
  for (const issue of issues) {
    const pointer = toPointer(issue.path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push(unknownKey([...issue.path, key], key, issue.path.length === 0 && serverSet?.has(key) === true));
        break;
      case 'invalid_type':
        out.push(
          isMissing(document, issue.path)
            ? { pointer, rule: Rule.Required, detail: 'is required' }
            : { pointer, rule: Rule.WrongType, detail: `must be ${issue.expected === 'int' ? 'an integer' : `of type ${issue.expected}`}` },
        );
        break;
      case 'too_big':
        out.push({ pointer, rule: issue.origin === 'array' ? Rule.TooMany : issue.origin === 'string' ? Rule.TooLong : Rule.NotAllowedValue, detail: issue.message });
        break;
      case 'too_small':
        out.push({ pointer, rule: issue.origin === 'number' || issue.origin === 'int' ? Rule.NotAllowedValue : Rule.TooShort, detail: issue.message });
        break;
      case 'invalid_value':
        out.push({ pointer, rule: Rule.NotAllowedValue, detail: issue.message });
        break;
      case 'invalid_union':
        out.push(isMissing(document, issue.path) ? { pointer, rule: Rule.Required, detail: 'is required' } : { pointer, rule: Rule.NotAllowedValue, detail: issue.message });
        break;
      case 'custom': {
        const rule = (issue.params as { rule?: Rule } | undefined)?.rule ?? Rule.Format;
        out.push({ pointer, rule, detail: issue.message });
        break;
      }
      default:
        out.push({ pointer, rule: Rule.Format, detail: issue.message });
    }
  }
  return out;
}

function unknownKey(path: PropertyKey[], key: string, serverSet: boolean): Violation {
  const pointer = toPointer(path);
  const name = key.slice(0, 64);
  if (serverSet) return { pointer, rule: Rule.ServerSetField, detail: `${name} is set by the gateway (the source comes from the API key), never by the reporter` };
  if (CONTENT_KEY.test(key)) return { pointer, rule: Rule.ContentNotAccepted, detail: `${name} would carry content; only URLs, hashes and metadata are accepted` };
  return { pointer, rule: Rule.UnknownField, detail: `${name} is not a field of this format` };
}

function isMissing(document: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = document;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return true;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node === undefined;
}
