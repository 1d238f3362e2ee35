import { COUNTRY_CODE, COUNTRY_CODE_RULE, HASH_VALUE_BYTES, HashAlgorithm, MAX_URL_LENGTH } from '@relay/wire';
import { z } from 'zod';
import { Rule } from './problems.js';

/**
 * The zod building blocks every intake format is made of. Every string a
 * report may carry is one of these: an id, a URL, a hash, an e-mail address,
 * a country, a time, an enumerated value or length-limited text that cannot
 * hold a file body. That is how hard rule 1 (no content travels) is enforced
 * at the door: there is no field left in which content could hide.
 */

// The size limits are derived from what the pipeline can carry, in one place the services share (decision 0094).
export { MAX_HASHES, MAX_URL_BYTES_TOTAL, MAX_URL_LENGTH, MAX_URLS } from '@relay/wire';
/** A run of this many base64 characters inside free text is taken for an encoded file. */
export const BASE64_RUN_IN_TEXT = 100;
/** The same inside a URL, where long opaque tokens are normal. */
export const BASE64_RUN_IN_URL = 512;

const SOURCE_REPORT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
// Control characters other than tab, LF and CR: binary data, never text.
 
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const DATA_URI = /\bdata:[^\s]*[;,]/i;
const base64Run = (n: number): RegExp => new RegExp(`[A-Za-z0-9+/=_-]{${n},}`);
const TEXT_BLOB = base64Run(BASE64_RUN_IN_TEXT);
const URL_BLOB = base64Run(BASE64_RUN_IN_URL);

/** Names of fields or elements that say they carry a file: refused as content wherever they are not a known field. */
export const CONTENT_KEY = /attach|payload|evidence|screenshot|thumbnail|image|video|blob|base64|binary|^files?$|^content$|^data$|^body$/i;

/** True when text holds a data: URI or a run of base64 long enough to be an encoded file. */
export function looksLikeContent(v: string): boolean {
  return DATA_URI.test(v) || TEXT_BLOB.test(v);
}

/** True when text holds a data: URI (never a legitimate part of a report's metadata). */
export function hasDataUri(v: string): boolean {
  return DATA_URI.test(v);
}

type Ctx = z.core.$RefinementCtx<string>;

function fail(ctx: Ctx, rule: Rule, message: string): void {
  ctx.addIssue({ code: 'custom', message, params: { rule } });
}

/**
 * The reporter's own id of a report: 1-100 of `[A-Za-z0-9_-]`, starting with a
 * letter or digit. No dots, wildcards, spaces or colons, so it is safe in a
 * `Nats-Msg-Id` (`<source>:<id>`) and wherever a later service puts it.
 */
export const sourceReportId = z
  .string()
  .superRefine((v, ctx) => {
    if (!SOURCE_REPORT_ID.test(v)) fail(ctx, Rule.IdFormat, 'must be 1-100 characters of [A-Za-z0-9_-], starting with a letter or digit');
  })
  .meta({ description: "The reporter's own id of the report, unique per source", examples: ['171234567'] });

/** Free text of at most `max` characters that cannot carry a file body. */
export function text(max: number): z.ZodType<string> {
  return z
    .string()
    .max(max)
    .superRefine((v, ctx) => {
      if (CONTROL.test(v)) fail(ctx, Rule.ControlCharacter, 'contains a control character (binary data is never accepted)');
      else if (DATA_URI.test(v)) fail(ctx, Rule.ContentNotAccepted, 'contains a data: URI; no content is accepted, only URLs and hashes');
      else if (TEXT_BLOB.test(v)) {
        fail(ctx, Rule.ContentNotAccepted, `contains a run of ${BASE64_RUN_IN_TEXT}+ base64 characters, taken for an encoded file; no content is accepted`);
      }
    });
}

/**
 * Why a URL is refused, or undefined when it is acceptable: absolute http or
 * https with a host, no whitespace or control characters, no embedded blob.
 */
export function urlProblem(v: string): { rule: Rule; detail: string } | undefined {
  if (/^\s*data:/i.test(v)) return { rule: Rule.ContentNotAccepted, detail: 'is a data: URI; no content is accepted, only http(s) URLs' };
  if (/[\s]/.test(v) || CONTROL.test(v)) return { rule: Rule.UrlInvalid, detail: 'contains whitespace or control characters' };
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return { rule: Rule.UrlInvalid, detail: 'is not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { rule: Rule.UrlScheme, detail: `has scheme ${url.protocol.slice(0, 20)}; only http and https are accepted` };
  }
  if (url.hostname === '') return { rule: Rule.UrlInvalid, detail: 'has no host' };
  if (URL_BLOB.test(v)) {
    return { rule: Rule.ContentNotAccepted, detail: `contains a run of ${BASE64_RUN_IN_URL}+ base64 characters, taken for an encoded file` };
  }
  return undefined;
}

/** A reported URL: see {@link urlProblem}; at most {@link MAX_URL_LENGTH} characters. */
export const httpUrl = z
  .string()
  .max(MAX_URL_LENGTH)
  .superRefine((v, ctx) => {
    const p = urlProblem(v);
    if (p) fail(ctx, p.rule, p.detail);
  })
  .meta({ format: 'uri', description: 'An http or https URL where the material was seen', examples: ['http://images.example.nl/gallery/1'] });

/**
 * A CyberTipline `webPageIncident/url`. NCMEC's schema types it as any string,
 * and senders write bare hosts (`bad1.example.com`): a value without a scheme
 * (or `host:port/...`) is read as `http://` plus the value. Then it must be a URL as
 * {@link httpUrl} requires; an empty element is no URL (the caller skips it).
 */
export const webPageUrl = z
  .string()
  .transform((v) => {
    const s = v.trim();
    return s === '' || /^[A-Za-z][A-Za-z0-9+.-]*:(?![0-9])/.test(s) ? s : `http://${s}`;
  })
  .pipe(
    z
      .string()
      .max(MAX_URL_LENGTH)
      .superRefine((v, ctx) => {
        if (v === '') return;
        const p = urlProblem(v);
        if (p) fail(ctx, p.rule, p.detail);
      }),
  );

/** An e-mail address (a plain shape check; the relay never sends mail to it). */
export const email = z
  .string()
  .max(254)
  .regex(/^[^\s@<>()[\],;:"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/, 'must be an e-mail address')
  .meta({ format: 'email' });

/** ISO 3166-1 alpha-2 country code, upper case. */
export const country = z.string().regex(COUNTRY_CODE, COUNTRY_CODE_RULE);

/** An RFC 3339 date-time with a zone (`Z` or an offset). */
export const dateTime = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time with a zone, e.g. 2026-11-02T09:15:00Z' });

/** Digest size of each hash algorithm, bytes. */
export const HASH_BYTES: Readonly<Record<HashAlgorithm, number>> = {
  [HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED]: 0,
  ...HASH_VALUE_BYTES,
  [HashAlgorithm.UNRECOGNIZED]: 0,
};

/** Result of reading a hash value written as text. */
export type HashReading = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly rule: Rule; readonly detail: string };

/**
 * Reads a digest written as hex (always accepted) or as standard or URL-safe
 * base64 with padding (where `base64` allows it). The two are told apart by
 * length, which differs for every algorithm: MD5 32 hex / 24 base64, SHA-1 40 /
 * 28, SHA-256 64 / 44, PhotoDNA 288 / 192. Anything else is refused.
 */
export function readHash(algorithm: HashAlgorithm, value: string, options: { base64: boolean }): HashReading {
  const size = HASH_BYTES[algorithm];
  if (size === 0) return { ok: false, rule: Rule.NotAllowedValue, detail: 'the hash algorithm must be given' };
  const hexLength = size * 2;
  const b64Length = Math.ceil(size / 3) * 4;
  if (value.length === hexLength) {
    if (!/^[0-9a-fA-F]+$/.test(value)) return { ok: false, rule: Rule.HashAlphabet, detail: `must be ${hexLength} hex digits` };
    return { ok: true, bytes: Buffer.from(value, 'hex') };
  }
  if (options.base64 && value.length === b64Length) {
    const standard = value.replaceAll('-', '+').replaceAll('_', '/');
    const bytes = Buffer.from(standard, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(standard) || bytes.length !== size || bytes.toString('base64') !== standard) {
      return { ok: false, rule: Rule.HashAlphabet, detail: `must be ${b64Length} characters of padded base64 encoding ${size} bytes` };
    }
    return { ok: true, bytes };
  }
  const accepted = options.base64 ? `${hexLength} hex digits or ${b64Length} base64 characters` : `${hexLength} hex digits`;
  return { ok: false, rule: Rule.HashLength, detail: `has ${value.length} characters; a ${size}-byte digest is ${accepted}` };
}

/** A zod string that must be a valid digest of `algorithm` (see {@link readHash}). */
export function hashText(algorithm: HashAlgorithm, options: { base64: boolean }): z.ZodType<string> {
  return z.string().superRefine((v, ctx) => {
    const r = readHash(algorithm, v, options);
    if (!r.ok) fail(ctx, r.rule, r.detail);
  });
}

/** Reads a digest already validated by {@link hashText} or {@link readHash}. */
export function hashBytes(algorithm: HashAlgorithm, value: string, options: { base64: boolean }): Buffer {
  const r = readHash(algorithm, value, options);
  if (!r.ok) throw new TypeError(`unvalidated hash reached mapping: ${r.detail}`);
  return r.bytes;
}

/** The names of a generated protobuf enum, without `UNRECOGNIZED`. */
export function enumNames<E extends Record<string, string | number>>(e: E): [string, ...string[]] {
  const names = Object.keys(e).filter((k) => Number.isNaN(Number(k)) && k !== 'UNRECOGNIZED');
  const [first, ...rest] = names;
  if (first === undefined) throw new TypeError('empty enum');
  return [first, ...rest];
}
