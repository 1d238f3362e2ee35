import { HashAlgorithm } from './gen/relay/v1/common.js';

/**
 * How big a report may be, derived from what the pipeline can carry
 * (decision 0094). Every message must fit nats-server's `max_payload`; the
 * largest are a report (on REPORTS) and a referral (the report's hashes, its
 * URL and where it is hosted). Observations, cases and their outboxes refer to
 * the report's hashes instead of copying them, so they stay small whatever
 * the report holds. The gateway refuses anything larger than these; the
 * dispatcher and locator rely on them.
 */

/** nats-server's `max_payload` (its default; every config in deploy/ keeps it), bytes. */
export const NATS_MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * What every message leaves free below `max_payload`, bytes: the NATS headers
 * (msg id, type, origin, traceparent, signature, DLQ headers) and the fields
 * of a referral beside the hashes and URL (the hosting observation, sources).
 */
export const PAYLOAD_HEADROOM_BYTES = 128 * 1024;

/** Length of each algorithm's digest, bytes (common.proto). */
export const HASH_VALUE_BYTES = {
  [HashAlgorithm.HASH_ALGORITHM_MD5]: 16,
  [HashAlgorithm.HASH_ALGORITHM_SHA1]: 20,
  [HashAlgorithm.HASH_ALGORITHM_SHA256]: 32,
  [HashAlgorithm.HASH_ALGORITHM_PHOTODNA]: 144,
} as const;

/** The largest digest (PhotoDNA), bytes. */
export const MAX_HASH_VALUE_BYTES = Math.max(...Object.values(HASH_VALUE_BYTES));

/** Bytes of a length-delimited protobuf field of `n` bytes: tag, length varint, body. */
export function lengthDelimitedBytes(n: number): number {
  let varint = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) varint++;
  return 1 + varint + n;
}

/** Encoded bytes of one `Hash` in a repeated field: its algorithm (2 bytes) and value. */
export function encodedHashBytes(valueBytes: number): number {
  return lengthDelimitedBytes(2 + lengthDelimitedBytes(valueBytes));
}

/** The part of a referral's (and a report's) budget its hashes may use, bytes. */
export const HASH_BUDGET_BYTES = 256 * 1024;

/** Most hashes in one report: 1,000, or fewer if that many of the largest kind would not fit {@link HASH_BUDGET_BYTES}. */
export const MAX_HASHES = Math.min(1000, Math.floor(HASH_BUDGET_BYTES / encodedHashBytes(MAX_HASH_VALUE_BYTES)));

/** Longest URL accepted, characters (the de-facto limit of browsers and hotline tools). */
export const MAX_URL_LENGTH = 2048;

/** Most URLs in one report. */
export const MAX_URLS = 1000;

/** An encoded report's fields beside its URLs and hashes (ids, reporter, classification, times), at most, bytes. */
export const REPORT_FIXED_BYTES = 4 * 1024;

/** The largest encoded report (what REPORTS stores), bytes. */
export const MAX_REPORT_BYTES = NATS_MAX_PAYLOAD_BYTES - PAYLOAD_HEADROOM_BYTES;

/**
 * Most bytes all the URLs of one report may take together (UTF-8, each with
 * its 3-byte field framing): what is left of {@link MAX_REPORT_BYTES} after
 * the largest hashes and the fixed fields. {@link MAX_URLS} of
 * {@link MAX_URL_LENGTH} would not fit, so both counts hold and this too.
 */
export const MAX_URL_BYTES_TOTAL = MAX_REPORT_BYTES - REPORT_FIXED_BYTES - MAX_HASHES * encodedHashBytes(MAX_HASH_VALUE_BYTES);

const utf8 = new TextEncoder();

/** Bytes a URL takes in a report's `urls` field. */
export function encodedUrlBytes(url: string): number {
  return lengthDelimitedBytes(utf8.encode(url).length);
}

/** Most addresses an observation records (the jurisdiction is decided on all of them), so a hostile DNS answer cannot bloat it. */
export const MAX_OBSERVED_ADDRESSES = 64;

/** Most CNAME names an observation records. */
export const MAX_OBSERVED_CNAMES = 16;
