import { emptyHeaderRecord } from '@relay/bus';
import { decodeMessage, Header, parseSubject, type ParsedSubject, RelayType, type RelayTypeName } from '@relay/wire';
import { UsageError } from '../errors.js';

/**
 * Where each replayed message goes, from its original subject; `hotline`
 * gives the recipient a notice names (for `{hotline}`), read only when used.
 */
export type TargetSubject = (original: string, hotline?: () => string) => string;

/** The `--to-subject` keyword that keeps every message's own subject. */
export const ORIGINAL = 'original';

const PLACEHOLDER = /^\{([1-9]\d*|hotline)\}$/;

/**
 * Reads `--to-subject`: `original` keeps each message's subject (the
 * replay-into-pipeline case: observations go back to `relay.hosting.<CC>` of
 * their own country); otherwise a subject whose tokens are literals or `{n}`,
 * the n-th token of the original subject (`relay.referral.{3}.offlimits`),
 * or `{hotline}`, the hotline a notice is addressed to in its payload (to
 * re-address country-wide hotline notices of earlier versions to their one
 * hotline: `relay.notice.{3}.hotline.{hotline}.{5}`, decision 0091).
 * @throws UsageError for wildcards, empty tokens or a malformed placeholder.
 */
export function parseTargetSubject(text: string): TargetSubject {
  if (text === ORIGINAL) return (s) => s;
  const tokens = text.split('.');
  for (const t of tokens) {
    if (t === '' || /[\s*>]/.test(t) || ((t.includes('{') || t.includes('}')) && !PLACEHOLDER.test(t))) {
      throw new UsageError(
        `--to-subject: ${JSON.stringify(text)} must be "original" or a subject whose tokens are literals, {n} (n-th token of the original subject) or {hotline}, without wildcards`,
      );
    }
  }
  return (original, hotline) => {
    const from = original.split('.');
    return tokens
      .map((t) => {
        const n = PLACEHOLDER.exec(t)?.[1];
        if (n === undefined) return t;
        if (n === 'hotline') {
          const id = hotline?.() ?? '';
          if (id === '') throw new UsageError(`--to-subject: ${text} uses {hotline} but the message on ${original} is not a notice addressed to a hotline`);
          return id;
        }
        const value = from[Number(n) - 1];
        if (value === undefined) throw new UsageError(`--to-subject: ${text} uses token {${n}} but ${original} has ${from.length} tokens`);
        return value;
      })
      .join('.');
  };
}

const TYPE_OF_SUBJECT: Record<ParsedSubject['kind'], RelayTypeName | undefined> = {
  report: RelayType.Report,
  hosting: RelayType.HostingObservation,
  referral: RelayType.Referral,
  notice: RelayType.Notice,
  status: RelayType.StatusUpdate,
  recheck: RelayType.RecheckRequest,
  // Never replay into these: intake is request-reply, the DLQ has `relay dlq redrive`, AUDIT is a trail.
  'intake-submit': undefined,
  dlq: undefined,
  audit: undefined,
};

/**
 * Checks that a message of `type` may be published on `subject`: a subject of
 * the contract that carries that type, so a replay can never put a referral
 * where observations are read.
 * @throws UsageError naming the subject and the type.
 */
export function checkTarget(subject: string, type: string): void {
  let parsed: ParsedSubject;
  try {
    parsed = parseSubject(subject);
  } catch (err) {
    throw new UsageError(`--to-subject: ${subject} is not a subject of the relay contract: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const kind = parsed.kind;
  if (parsed.kind === 'notice' && parsed.legacy === true) {
    throw new UsageError(`--to-subject: ${subject} is the country-wide hotline notice subject of earlier versions; address it to one hotline: relay.notice.<CC>.hotline.<hotline>.<kind> (decision 0091)`);
  }
  const want = TYPE_OF_SUBJECT[kind];
  if (want === undefined) throw new UsageError(`--to-subject: replaying into ${subject} is not allowed (${kind} subjects are not replay targets)`);
  if (want !== type) throw new UsageError(`--to-subject: ${subject} carries ${want}, not ${type || 'a message without Relay-Type'}`);
}

/** How a stored message is published again, unchanged. */
export interface Republish {
  readonly msgId: string;
  readonly origin: string;
  readonly traceparent?: string;
  /** Every other header, the original `Relay-Signer`/`Relay-Signature` included. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The publish settings that reproduce a stored message: its own
 * `Nats-Msg-Id` (so JetStream drops it within the duplicate window and the
 * derived ids absorb it after), origin, trace and signature (publishBytes
 * keeps an existing signature, so it still verifies as the original sender's).
 * `fallbackMsgId` is used only for a message stored without an id.
 */
export function republishOf(headers: Readonly<Record<string, string>>, fallbackMsgId: string): Republish {
  const kept = emptyHeaderRecord();
  for (const [k, v] of Object.entries(headers)) {
    const lower = k.toLowerCase();
    if (lower.startsWith('nats-') || lower.startsWith('relay-dlq-')) continue;
    if (k === Header.Origin || k === Header.TraceParent || k === Header.Error) continue;
    kept[k] = v;
  }
  const traceparent = headers[Header.TraceParent];
  return {
    msgId: headers[Header.MsgId] ?? fallbackMsgId,
    origin: headers[Header.Origin] ?? 'operator',
    ...(traceparent === undefined ? {} : { traceparent }),
    headers: kept,
  };
}

/**
 * Checks that a notice replayed to a hotline's subject is that hotline's:
 * a replay must never hand one hotline's notice (with its URL) to another.
 * @throws UsageError naming both hotlines.
 */
export function checkNoticeRecipient(subject: string, hotline: () => string): void {
  const parsed = parseSubject(subject);
  if (parsed.kind !== 'notice' || parsed.hotline === undefined) return;
  const addressee = hotline();
  if (addressee !== parsed.hotline) {
    throw new UsageError(`--to-subject: ${subject} is hotline ${parsed.hotline}'s, but the notice is addressed to ${addressee === '' ? 'no hotline' : `hotline ${addressee}`}`);
  }
}

/** The hotline a stored notice is addressed to in its payload; '' for anything else or an undecodable payload. */
export function noticeHotlineOf(type: string | undefined, data: Uint8Array): string {
  if (type !== RelayType.Notice) return '';
  try {
    return decodeMessage(RelayType.Notice, data).hotline;
  } catch {
    return '';
  }
}
