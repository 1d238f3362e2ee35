import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import type { KvBucket } from '@relay/wire';

/** One current value of a bucket. */
export interface BucketEntry<T> {
  readonly key: string;
  readonly value: T;
  /** The value's revision (its sequence in the bucket's stream). */
  readonly revision: number;
}

/**
 * A read of the current value of every key of a bucket, in revision order.
 * `total` is how many keys the bucket had when the read began (deleted keys
 * included: they are skipped, not yielded), for progress displays.
 */
export interface BucketValues<T> extends AsyncIterable<BucketEntry<T>> {
  readonly total: number;
  /** Ends the read early; the iteration then finishes. */
  stop(): void;
}

/** Messages buffered ahead of the reader: the bound on memory, whatever the bucket's size. */
const READ_AHEAD = 1_000;
/**
 * How long a pull waits before the server says it has nothing to send (a
 * heartbeat every half of it): the read's end once caught up. The server's
 * pending count cannot end it alone: it does not drop for a value that an
 * overwrite removed before it was read.
 */
const PULL_EXPIRES_MS = 2_000;
const OPERATION_HEADER = 'KV-Operation';

/**
 * Reads the latest value of every key of a bucket through one ephemeral
 * ordered consumer (deliver policy "last per subject"), pulling more only as
 * the reader takes them, so memory stays bounded for millions of keys.
 * A key written while reading is read with its newer value, after the keys
 * stored before it: a key whose older value was already read is then yielded
 * twice (the bucket keeps one revision per key, so an unread older value is
 * gone and yields nothing). Ends once it has caught up with the writes.
 * Nothing is left behind on the server. A bucket keeping more than one
 * revision per key may, after the consumer recovers from a gap, also yield an
 * older revision of a key again.
 * `decode` throws to refuse a value; the read then throws that error.
 */
export async function readBucketValues<T>(js: JetStreamClient, bucket: KvBucket, decode: (key: string, data: Uint8Array) => T): Promise<BucketValues<T>> {
  const stream = `KV_${bucket}`;
  const prefix = `$KV.${bucket}.`;
  const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.LastPerSubject, filter_subjects: `${prefix}>` });
  // The consumer's pending count at creation: one message per key.
  const total = (await consumer.info(true)).num_pending;
  const messages = total === 0 ? undefined : await consumer.consume({ max_messages: READ_AHEAD, expires: PULL_EXPIRES_MS });
  if (messages) {
    void (async () => {
      // A heartbeat comes only when the server has nothing to send: every key still present was read.
      for await (const s of messages.status()) if (s.type === 'heartbeat') messages.stop();
    })();
  }
  const entries = async function* (): AsyncGenerator<BucketEntry<T>> {
    if (!messages) {
      await consumer.delete().catch(() => undefined);
      return;
    }
    try {
      for await (const m of messages) {
        const operation = m.headers?.get(OPERATION_HEADER);
        if (operation !== 'DEL' && operation !== 'PURGE') {
          const key = m.subject.slice(prefix.length);
          yield { key, value: decode(key, m.data), revision: m.seq };
        }
        if (m.info.pending === 0) break;
      }
    } finally {
      messages.stop();
      await consumer.delete().catch(() => undefined);
    }
  };
  return Object.assign(entries(), { total, stop: () => messages?.stop() });
}
