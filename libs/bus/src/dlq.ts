import type { JsMsg } from '@nats-io/jetstream';
import { errorToHeader, Header, subjects } from '@relay/wire';
import type { Bus } from './connection.js';
import { isRetryable } from './errors.js';
import { emptyHeaderRecord, type HeaderRecord, headersToRecord, headerValue } from './header-record.js';
import { publishBytes, type PublishOptions, type Stored } from './publish.js';

/** Which DLQ entry was stored: the full one, or a minimal one because the full one could not be. */
export interface DeadLettered extends Stored {
  readonly entry: 'full' | 'minimal';
}

/** Settings of {@link deadLetter}. */
export interface DeadLetterOptions {
  /**
   * Store a minimal entry even when the full one failed for a reason that
   * may pass (the caller has retried long enough). Default false: a
   * retryable failure is thrown, so the caller keeps the message.
   */
  readonly minimalOnRetryable?: boolean;
}

/** Original headers the entry carries in another place: as its own id, origin and trace, or moved (signature). */
const CARRIED = new Set<string>([Header.MsgId, Header.Origin, Header.TraceParent, Header.Signer, Header.Signature, Header.SignedAt]);
const CARRIED_LOWER = new Set([...CARRIED].map((k) => k.toLowerCase()));
const DROPPED_LIST_MAX = 1_000;
const SAFE_MSG_ID = /^[\x21-\x7e]{1,256}$/;

/** True when an original header is not carried into the entry (the entry lists it in `Relay-Dlq-Dropped`). */
function dropsHeader(name: string): boolean {
  if (CARRIED.has(name)) return false;
  const lower = name.toLowerCase();
  // Nats-* headers are instructions to the server (expected stream/sequence, rollup): copied
  // onto the DLQ publish, a hostile one makes the server refuse it. Relay-Dlq-* and Relay-Error
  // are the entry's own; case variants of the carried ones would be read as them.
  return lower.startsWith('nats-') || lower.startsWith('relay-dlq-') || lower === Header.Error.toLowerCase() || CARRIED_LOWER.has(lower);
}

/** A comma-separated list of names, cut short with a count when long. */
function nameList(names: readonly string[]): string {
  let out = '';
  for (const [i, n] of names.entries()) {
    const next = out === '' ? n : `${out},${n}`;
    if (next.length > DROPPED_LIST_MAX) return `${out},+${names.length - i} more`;
    out = next;
  }
  return out;
}

/**
 * The full entry: the original payload and headers, the error, where it came
 * from. Every header name is copied as an own entry of a record with no
 * prototype, so `__proto__` or `constructor` is carried like any other.
 * @throws when the original headers cannot be parsed.
 */
function fullEntry(service: string, msg: JsMsg, error: unknown): { data: Uint8Array; options: PublishOptions } {
  const original = headersToRecord(msg.headers);
  const headers = emptyHeaderRecord();
  const dropped: string[] = [];
  for (const k of Object.keys(original)) {
    const v = original[k] ?? '';
    // The entry is signed by this service; the original signature is kept for a redrive.
    if (k === Header.Signer) headers[Header.DlqSigner] = v;
    else if (k === Header.Signature) headers[Header.DlqSignature] = v;
    else if (k === Header.SignedAt) headers[Header.DlqSignedAt] = v;
    else if (dropsHeader(k)) dropped.push(k);
    else if (!CARRIED.has(k)) headers[k] = v;
  }
  Object.assign(headers, sourceHeaders(service, msg, error));
  if (dropped.length > 0) headers[Header.DlqDropped] = nameList(dropped);
  const msgId = headerValue(original, Header.MsgId);
  if (msgId !== undefined) headers[Header.DlqMsgId] = msgId;
  const traceparent = headerValue(original, Header.TraceParent);
  return {
    data: msg.data,
    options: {
      msgId: entryMsgId(msg),
      origin: headerValue(original, Header.Origin) ?? service,
      ...(traceparent === undefined ? {} : { traceparent }),
      headers,
    },
  };
}

/**
 * The minimal entry: the error, the service, the source `STREAM:seq`, the
 * subject, the original msg id when it is a plain short token, and why the
 * full entry failed. No payload and no other original header, so nothing the
 * sender chose can make it fail. Never throws.
 */
function minimalEntry(service: string, msg: JsMsg, error: unknown, fullFailure: unknown): { data: Uint8Array; options: PublishOptions } {
  const headers: HeaderRecord = emptyHeaderRecord();
  Object.assign(headers, sourceHeaders(service, msg, error));
  headers[Header.DlqMinimal] = errorToHeader(fullFailure);
  try {
    const msgId = msg.headers?.get(Header.MsgId);
    if (msgId !== undefined && SAFE_MSG_ID.test(msgId)) headers[Header.DlqMsgId] = msgId;
  } catch {
    // Unparseable headers: the entry goes without the original id.
  }
  return { data: new Uint8Array(0), options: { msgId: entryMsgId(msg), origin: service, headers } };
}

function sourceHeaders(service: string, msg: JsMsg, error: unknown): HeaderRecord {
  const h = emptyHeaderRecord();
  h[Header.Error] = errorToHeader(error);
  h[Header.DlqService] = service;
  h[Header.DlqSubject] = msg.subject;
  h[Header.DlqSource] = `${msg.info.stream}:${msg.info.streamSequence}`;
  return h;
}

/** One entry per source message: a second attempt, full or minimal, stores nothing new. */
function entryMsgId(msg: JsMsg): string {
  return `dlq:${msg.info.stream}:${msg.info.streamSequence}`;
}

/**
 * Stores a message that cannot be processed on `relay.dlq.<service>`, with
 * its original payload and headers, the error in `Relay-Error`, and where it
 * came from. When that full entry is refused for a reason a retry cannot
 * change (too large for `max_payload`, a header NATS refuses, anything but
 * an unavailable broker), a minimal entry is stored instead: error, service,
 * source, subject, original msg id, and `Relay-Dlq-Minimal` saying why.
 * Idempotent per source message (`dlq:<stream>:<seq>`).
 * @throws PublishError when the DLQ is unavailable (retryable: the caller
 * naks), or when even the minimal entry was refused.
 */
export async function deadLetter(bus: Bus, service: string, msg: JsMsg, error: unknown, options: DeadLetterOptions = {}): Promise<DeadLettered> {
  let fullFailure: unknown;
  try {
    const full = fullEntry(service, msg, error);
    return { ...(await publishBytes(bus, subjects.dlq(service), full.data, full.options)), entry: 'full' };
  } catch (err) {
    if (isRetryable(err) && !options.minimalOnRetryable) throw err;
    fullFailure = err;
  }
  const minimal = minimalEntry(service, msg, error, fullFailure);
  return { ...(await publishBytes(bus, subjects.dlq(service), minimal.data, minimal.options)), entry: 'minimal' };
}
