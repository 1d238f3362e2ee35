import { decodeMessage, encodeMessage, type RelayMessageMap, RelayType, type RelayTypeName } from '@relay/wire';
import { OUTBOX_KEEP_MS, type OutboxEntry } from './case-state.js';

/** Where a referral's hashes are read when it is published (decision 0094): its report on REPORTS. */
export interface HashesRef {
  readonly reportId: string;
  readonly seq: number;
  readonly count: number;
}

/** A message a decision calls for, not yet written to the case's outbox. */
export interface OutboxMessage<K extends RelayTypeName = RelayTypeName> {
  readonly subject: string;
  readonly type: K;
  readonly message: RelayMessageMap[K];
  /** `dispatcher:<message id>`, derived from the case and the event: a second publish is a duplicate. */
  readonly msgId: string;
  /** A referral's hashes, read from its report when it is published (decision 0094). */
  readonly hashesFrom?: HashesRef;
}

/** What the writing process holds of an entry until it is published: its bytes and message, not re-decoded from base64. */
interface Written {
  readonly bytes: Uint8Array;
  readonly message: RelayMessageMap[RelayTypeName];
}
const written = new WeakMap<OutboxEntry, Written>();

/** The consumed message a write answers (decision 0140): see `OutboxEntry.cause`. */
export interface OutboxCause {
  readonly consumer: string;
  readonly seq: number;
}

/** Encodes a message for a case's outbox (base64 protobuf); the entry object remembers its bytes in this process. */
export function toOutboxEntry(m: OutboxMessage, traceparent: string | undefined, cause?: OutboxCause): OutboxEntry {
  const bytes = encodeMessage(m.type, m.message);
  const entry: OutboxEntry = {
    msgId: m.msgId,
    subject: m.subject,
    type: m.type,
    data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    ...(traceparent === undefined ? {} : { traceparent }),
    ...(cause === undefined ? {} : { cause: { consumer: cause.consumer, seq: cause.seq } }),
    ...(m.hashesFrom === undefined ? {} : { hashesFrom: { ...m.hashesFrom } }),
  };
  written.set(entry, { bytes, message: m.message });
  return entry;
}

/** The entry's bytes, and its message when this process wrote it and has not published it yet (else undefined: decode on demand with {@link outboxMessage}). */
export function outboxBytes(e: OutboxEntry): { bytes: Uint8Array; message: RelayMessageMap[RelayTypeName] | undefined } {
  const local = written.get(e);
  return local ? { bytes: local.bytes, message: local.message } : { bytes: Buffer.from(e.data, 'base64'), message: undefined };
}

/** The entry's message, decoded. */
export function outboxMessage<K extends RelayTypeName>(e: OutboxEntry, type: K): RelayMessageMap[K] {
  const local = written.get(e);
  return local ? (local.message as RelayMessageMap[K]) : decodeMessage(type, Buffer.from(e.data, 'base64'));
}

/**
 * When the dispatcher issued the entry's referral or notice (ms, its clock), from
 * the message itself; undefined for any other type (a recheck request) or an
 * entry that does not decode as its type.
 */
export function outboxIssuedAt(e: OutboxEntry): number | undefined {
  try {
    if (e.type === RelayType.Referral) return outboxMessage(e, RelayType.Referral).issuedAt?.getTime();
    if (e.type === RelayType.Notice) return outboxMessage(e, RelayType.Notice).issuedAt?.getTime();
  } catch {
    // Not decodable as its type: no time is known, so nothing is taken as checked.
  }
  return undefined;
}

const published = new WeakSet<OutboxEntry>();

/**
 * Notes that this process published the entry (acknowledged by the stream):
 * the next write of the case from the same value drops it without
 * publishing it again (decision 0140). Process memory only: an entry read
 * back from KV is a new object, not known to be published. The entry's
 * encoded bytes and message are let go: a cached case carries a published
 * entry for up to an hour (decision 0162), and only a repair reads it again,
 * decoding its stored bytes.
 */
export function markPublished(e: OutboxEntry): void {
  published.add(e);
  written.delete(e);
}

/** True when this process published this entry object, or a write of the case found it published and kept it (`publishedAt`). */
export function isPublished(e: OutboxEntry): boolean {
  return published.has(e) || e.publishedAt !== undefined;
}

/**
 * What a write of a case carries of its outbox at `now` (decision 0162): every entry not
 * published; a published one stamped `publishedAt` and kept until {@link OUTBOX_KEEP_MS} after
 * that; none older, and none when the write closes the case (`keep` false: nothing is owed on a
 * closed case, and nothing writes it again to drop them).
 */
export function carriedOutbox(outbox: readonly OutboxEntry[], now: number, keep: boolean): OutboxEntry[] {
  const out: OutboxEntry[] = [];
  for (const e of outbox) {
    if (!isPublished(e)) out.push(e);
    else if (!keep) continue;
    else if (e.publishedAt === undefined) out.push({ ...e, publishedAt: now });
    else if (now - e.publishedAt < OUTBOX_KEEP_MS) out.push(e);
  }
  return out;
}
