import type { JsMsg } from '@nats-io/jetstream';
import {
  childTraceparent,
  decodeMessage,
  Header,
  isRelayType,
  type RelayMessageMap,
  type RelayTypeName,
  UnknownMessageTypeError,
} from '@relay/wire';
import { headersToRecord } from './header-record.js';

/** A consumed message, decoded, with what a handler needs to pass on. */
export interface Consumed<T> {
  readonly message: T;
  readonly type: RelayTypeName;
  readonly subject: string;
  readonly stream: string;
  /** Stream sequence. */
  readonly seq: number;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  readonly headers: Readonly<Record<string, string>>;
  /** `Relay-Origin` of the message. */
  readonly origin: string | undefined;
  /** traceparent for whatever this handler publishes: same trace, new span. */
  readonly traceparent: string;
}

/** Checks a raw message before decoding (provenance); throws to refuse it. */
export type VerifyMessage = (msg: {
  data: Uint8Array;
  headers: Readonly<Record<string, string>>;
  subject: string;
  /** When the stream stored it, Unix ms (from the delivery, set by the server). */
  storedAt?: number;
}) => void;

/**
 * Decodes a JetStream message by its `Relay-Type`, which must be one of
 * `accepted`, after `verify`.
 * @throws UnknownMessageTypeError, DecodeError, or whatever `verify` throws.
 */
export function decodeDelivery<K extends RelayTypeName>(
  m: JsMsg,
  accepted: ReadonlySet<string>,
  verify?: VerifyMessage,
): Consumed<RelayMessageMap[K]> {
  const headers = headersToRecord(m.headers);
  const type = headers[Header.Type] ?? '';
  if (!isRelayType(type) || !accepted.has(type)) throw new UnknownMessageTypeError(type);
  verify?.({ data: m.data, headers, subject: m.subject, storedAt: Math.floor(m.info.timestampNanos / 1e6) });
  return {
    message: decodeMessage(type, m.data) as RelayMessageMap[K],
    type,
    subject: m.subject,
    stream: m.info.stream,
    seq: m.info.streamSequence,
    deliveryCount: m.info.deliveryCount,
    headers,
    origin: headers[Header.Origin],
    traceparent: childTraceparent(headers[Header.TraceParent]),
  };
}
