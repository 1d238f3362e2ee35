import { encodeMessage, Header, newTraceparent, type RelayMessageMap, type RelayTypeName } from '@relay/wire';
import { type Bus, internals } from './connection.js';
import { isRetryable, isWrongLastSequenceError, LastSequenceMismatchError, PublishError } from './errors.js';
import { headerRecord, recordToHeaders } from './header-record.js';
import { signatureHeaders } from './provenance.js';

/** Where a message was stored. */
export interface Stored {
  readonly stream: string;
  readonly seq: number;
  /** True when the stream already had this `Nats-Msg-Id`; `seq` is then the original's. */
  readonly duplicate: boolean;
}

/** Settings of one publish. */
export interface PublishOptions {
  /** Idempotency key (`Nats-Msg-Id`); prefix it with its origin (docs/nats-notes.md §3.2). */
  readonly msgId: string;
  /** Lower-case id of the organisation that caused the message (`Relay-Origin`). */
  readonly origin: string;
  /** W3C trace context of the hop; a new trace when absent. */
  readonly traceparent?: string;
  /** More headers to set (DLQ details; an existing signature is kept, not re-signed). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Total attempts on transient failure, with the same msgId. Default 5. */
  readonly attempts?: number;
  /** Wait for each ack, ms. Default 5 s. */
  readonly timeoutMs?: number;
  /**
   * Store only if the stream's last sequence is this (`Nats-Expected-Last-Sequence`;
   * 0 = the stream is empty). A retry after a lost ack is still answered as a
   * duplicate by its msgId: the server checks the msgId first.
   */
  readonly expectLastSequence?: number;
}

/**
 * Publishes a relay.v1 message to JetStream with every contract header set
 * (`Nats-Msg-Id`, `Relay-Type`, `Relay-Origin`, `traceparent`) and waits for
 * the stream's acknowledgement. Transient failures (timeouts, leader
 * elections reported as "no responders") are retried with the same msgId, so
 * a retry can never store the message twice.
 * @throws PublishError (retryable) when no attempt was acknowledged.
 */
export async function publishMessage<K extends RelayTypeName>(
  bus: Bus,
  subject: string,
  type: K,
  message: RelayMessageMap[K],
  options: PublishOptions,
): Promise<Stored> {
  return publishBytes(bus, subject, encodeMessage(type, message), { ...options, headers: { ...options.headers, [Header.Type]: type } });
}

/**
 * Publishes raw bytes with the contract headers; for the DLQ, replay and
 * tests of malformed input. `headers` must include `Relay-Type` where known.
 * @throws PublishError (retryable) when no attempt was acknowledged.
 */
export async function publishBytes(bus: Bus, subject: string, data: Uint8Array, options: PublishOptions): Promise<Stored> {
  const { js, metrics, signer } = internals(bus);
  const all = headerRecord(options.headers, {
    [Header.MsgId]: options.msgId,
    [Header.Origin]: options.origin,
    [Header.TraceParent]: options.traceparent ?? newTraceparent(),
  });
  // A message that already carries a signature (replay, redrive) keeps its original signer.
  // A new signature covers the subject and a fresh signing time (signed form v2).
  const signed = signer && !Object.hasOwn(all, Header.Signature) ? headerRecord(all, signatureHeaders(signer, subject, data, all)) : all;
  // Nats-Msg-Id is set by the client from msgID; it is in `all` only to be signed.
  let h;
  try {
    h = recordToHeaders(signed, (k) => k === Header.MsgId);
  } catch (err) {
    // A name or value NATS cannot carry: no attempt can succeed.
    throw new PublishError(subject, err);
  }
  const attempts = options.attempts ?? 5;
  const started = performance.now();
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const ack = await js.publish(subject, data, {
        msgID: options.msgId,
        headers: h,
        timeout: options.timeoutMs ?? 5_000,
        ...(options.expectLastSequence === undefined ? {} : { expect: { lastSequence: options.expectLastSequence } }),
      });
      metrics.published(subject, ack.duplicate ? 'duplicate' : 'stored', (performance.now() - started) / 1000);
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      lastError = err;
      if (options.expectLastSequence !== undefined && isWrongLastSequenceError(err)) {
        metrics.published(subject, 'failed', (performance.now() - started) / 1000);
        throw new LastSequenceMismatchError(subject, options.expectLastSequence, err);
      }
      if (!isRetryable(err) || attempt === attempts) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** attempt)));
    }
  }
  metrics.published(subject, 'failed', (performance.now() - started) / 1000);
  throw new PublishError(subject, lastError);
}
