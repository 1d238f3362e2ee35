import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { StreamName } from '@relay/wire';
import { type Bus, internals } from './connection.js';
import { readableHeaders } from './header-record.js';

/** A message as stored in a stream. */
export interface StoredMessage {
  readonly stream: string;
  readonly seq: number;
  readonly subject: string;
  readonly time: Date;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: Uint8Array;
}

/** Which part of a stream to read. */
export interface ReadRange {
  readonly stream: StreamName;
  /** Only subjects matching this filter (one filter: 2.9). */
  readonly filterSubject?: string;
  /** From this sequence (inclusive). */
  readonly startSeq?: number;
  /** From this time (inclusive). */
  readonly startTime?: Date;
  /** Up to this time (exclusive). */
  readonly endTime?: Date;
  /** Keep waiting for new messages instead of stopping at the end. */
  readonly follow?: boolean;
}

/** Counts and bounds of a stream. */
export interface StreamState {
  readonly messages: number;
  readonly bytes: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly consumers: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped, ms. */
  readonly duplicateWindowMs: number;
}

/** The state of a stream, or undefined when it does not exist. */
export async function streamState(bus: Bus, stream: StreamName): Promise<StreamState | undefined> {
  const info = await internals(bus)
    .jsm.streams.info(stream)
    .catch(() => undefined);
  if (!info) return undefined;
  const s = info.state;
  return {
    messages: s.messages,
    bytes: s.bytes,
    firstSeq: s.first_seq,
    lastSeq: s.last_seq,
    consumers: s.consumer_count,
    duplicateWindowMs: Math.round((info.config.duplicate_window ?? 0) / 1_000_000),
  };
}

/** Backlog of a durable consumer. */
export interface ConsumerLag {
  /** Messages not yet delivered. */
  readonly pending: number;
  /** Delivered but not acknowledged. */
  readonly ackPending: number;
  /** Delivered more than once and not yet acknowledged. */
  readonly redelivered: number;
}

/** The backlog of a durable consumer, or undefined when it does not exist. */
export async function consumerLag(bus: Bus, stream: StreamName, durable: string): Promise<ConsumerLag | undefined> {
  const info = await internals(bus)
    .jsm.consumers.info(stream, durable)
    .catch(() => undefined);
  if (!info) return undefined;
  return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
}

/** One stored message by sequence, or undefined when there is none. */
export async function getStoredMessage(bus: Bus, stream: StreamName, seq: number): Promise<StoredMessage | undefined> {
  const m = await internals(bus)
    .jsm.streams.getMessage(stream, { seq })
    .catch(() => undefined);
  if (!m) return undefined;
  return { stream, seq: m.seq, subject: m.subject, time: m.time, headers: readableHeaders(() => m.header), data: m.data };
}

/**
 * One stored message by sequence: undefined only when the stream has no
 * message there (expired, deleted, never written).
 * @throws the server's or client's error for anything else (no permission, no stream, timeout), so the caller can retry.
 */
export async function fetchStoredMessage(bus: Bus, stream: StreamName, seq: number): Promise<StoredMessage | undefined> {
  const m = await internals(bus).jsm.streams.getMessage(stream, { seq });
  if (!m) return undefined;
  return { stream, seq: m.seq, subject: m.subject, time: m.time, headers: readableHeaders(() => m.header), data: m.data };
}

/**
 * The first stored message at or after `seq` whose subject `filter` selects,
 * or undefined when there is none: one direct read by sequence, which skips
 * deleted messages without creating a consumer (a user may read a stream this
 * way without any right on its consumers).
 * @throws the server's or client's error (no permission, no stream, timeout).
 */
export async function nextStoredMessage(bus: Bus, stream: StreamName, seq: number, filter: string): Promise<StoredMessage | undefined> {
  // STREAM.MSG.GET takes `next_by_subj` from nats-server 2.9 on (docs/nats-notes.md §2); the client types it for direct gets only.
  const query = { seq, next_by_subj: filter } as { seq: number };
  const m = await internals(bus).jsm.streams.getMessage(stream, query);
  if (!m) return undefined;
  return { stream, seq: m.seq, subject: m.subject, time: m.time, headers: readableHeaders(() => m.header), data: m.data };
}

/**
 * Deletes one stored message (a redriven DLQ entry), overwriting its bytes.
 * Returns false when there was no such message. Streams that deny deletes
 * (AUDIT) refuse.
 * @throws the server's error when the stream refuses the delete.
 */
export async function deleteStoredMessage(bus: Bus, stream: StreamName, seq: number): Promise<boolean> {
  const { jsm } = internals(bus);
  if (!(await getStoredMessage(bus, stream, seq))) return false;
  return jsm.streams.deleteMessage(stream, seq, true);
}

/**
 * Reads a range of a stream in order with an ephemeral ordered consumer (it
 * leaves nothing behind on the server). Without `follow` it stops at the last
 * message that was in the stream when reading began.
 */
export async function* readStream(bus: Bus, range: ReadRange): AsyncGenerator<StoredMessage> {
  const { js } = internals(bus);
  const state = await streamState(bus, range.stream);
  if (!state) return;
  if (!range.follow && (state.messages === 0 || (range.startSeq !== undefined && range.startSeq > state.lastSeq))) return;
  const consumer = await js.consumers.get(range.stream, {
    ...(range.filterSubject === undefined ? {} : { filter_subjects: range.filterSubject }),
    ...(range.startSeq !== undefined
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: range.startSeq }
      : range.startTime !== undefined
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: range.startTime.toISOString() }
        : { deliver_policy: DeliverPolicy.All }),
  });
  const messages = await consumer.consume({ max_messages: 512 });
  if (!range.follow && (await nothingToRead(consumer))) {
    // close() resolves only once the iterator is drained, which nobody will do now.
    messages.stop();
    return;
  }
  try {
    for await (const m of messages) {
      if (range.endTime !== undefined && m.time >= range.endTime) break;
      yield toStored(m);
      if (!range.follow && (m.info.pending === 0 || m.seq >= state.lastSeq)) break;
    }
  } finally {
    await messages.close();
  }
}

async function nothingToRead(consumer: { info(cached?: boolean): Promise<{ num_pending: number }> }): Promise<boolean> {
  const info = await consumer.info(false).catch(() => undefined);
  return info !== undefined && info.num_pending === 0;
}

export function toStored(m: JsMsg): StoredMessage {
  return { stream: m.info.stream, seq: m.seq, subject: m.subject, time: m.time, headers: readableHeaders(() => m.headers), data: m.data };
}
