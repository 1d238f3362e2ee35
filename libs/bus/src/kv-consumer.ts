import { type Consumer, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { KvBucket } from '@relay/wire';

/** One current value of a bucket. */
export interface BucketEntry<T> {
  readonly key: string;
  readonly value: T;
  /** The value's revision (its sequence in the bucket's stream). */
  readonly revision: number;
}

/**
 * A change seen by a bucket's watch: a value, or a deletion (`value`
 * undefined). `value` is decoded when first read, so a watcher that already
 * holds this revision (its own write) pays no JSON parse for it.
 * Reading `value` throws BucketValueError when the stored value is invalid.
 */
export interface BucketChange<T> {
  readonly key: string;
  readonly value: T | undefined;
  readonly revision: number;
  /** True for a put, false for a deletion or purge. */
  readonly isPut: boolean;
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

/** The NATS handles a bucket reader needs. */
export interface KvNats {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/** Messages buffered ahead of the reader: the bound on memory, whatever the bucket's size. */
const READ_AHEAD = 1_000;
/**
 * How long a pull of {@link readBucketValues} waits before the server says
 * it has nothing to send (a heartbeat every half of it): the read's end once
 * caught up. The server's pending count cannot end it alone: it does not drop
 * for a value that an overwrite removed before it was read.
 */
const PULL_EXPIRES_MS = 2_000;
const OPERATION_HEADER = 'KV-Operation';

/** Stream, key filter, whether the stream holds only current values of this bucket's keys, and its last sequence now. */
async function bucketStream(nats: KvNats, bucket: KvBucket): Promise<{ stream: string; filter: string; plain: boolean; lastSeq: number }> {
  const stream = `KV_${bucket}`;
  const filter = `$KV.${bucket}.>`;
  const { config, state } = await nats.jsm.streams.info(stream);
  return { stream, filter, plain: config.max_msgs_per_subject === 1 && config.subjects.length === 1 && config.subjects[0] === filter, lastSeq: state.last_seq };
}

/**
 * Creates an ephemeral ordered pull consumer on a bucket's stream delivering
 * every key's current value. A bucket that keeps one revision per key in a
 * stream of its own keys only is read whole and unfiltered: every stored
 * message is then a current value, and the server creates such a consumer at
 * once, where "last per subject", or a filter on the bucket's subjects, costs
 * it seconds per million keys (1 M keys, nats-server 2.9.10: 9-10 s and
 * 1.9 s; the API times out at 5 s).
 */
async function currentValuesConsumer(nats: KvNats, bucket: KvBucket): Promise<{ consumer: Consumer; lastSeq: number }> {
  const { stream, filter, plain, lastSeq } = await bucketStream(nats, bucket);
  const consumer = await nats.js.consumers.get(stream, plain ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.LastPerSubject, filter_subjects: filter });
  return { consumer, lastSeq };
}

/** How far {@link readBucketValues} reads. */
export interface ReadValuesOptions {
  /**
   * End at the last value stored when the read began, instead of reading on
   * to the values written during the read (see {@link CHASES}). A key
   * rewritten during the read before its earlier value was read is then not
   * yielded at all: read it by key if it matters.
   */
  readonly untilStart?: boolean;
}

/**
 * How many times a read without `untilStart` goes on to the bucket's end
 * after reaching the end it last knew: each time it reads what was written
 * while it read, the values of keys rewritten before it reached them among
 * them. The server's pending count cannot tell when to stop (it keeps
 * counting values a rewrite removed before they were read), so under writes
 * that never pause a read that waited for it to reach 0 followed the writes
 * for as long as they went on (decision 0158).
 */
const CHASES = 5;

function keyOf(bucket: KvBucket, subject: string): string {
  return subject.slice(`$KV.${bucket}.`.length);
}

function isDeletion(headers: { get(name: string): string } | undefined): boolean {
  const operation = headers?.get(OPERATION_HEADER);
  return operation === 'DEL' || operation === 'PURGE';
}

/**
 * Reads the latest value of every key of a bucket through one ephemeral
 * ordered consumer, pulling more only as the reader takes them, so memory
 * stays bounded for millions of keys.
 * A key written while reading is read with its newer value, after the keys
 * stored before it: a key whose older value was already read is then yielded
 * twice (the bucket keeps one revision per key, so an unread older value is
 * gone and yields nothing). Reads up to the last value stored when it began;
 * then, unless `untilStart`, up to the bucket's end at that moment, and so
 * on: it ends once a pass finds nothing written since the previous, after
 * {@link CHASES} such passes, or when the server has nothing to send. What
 * was written during the last pass is not read, as what is written after
 * any read. A key rewritten during the read is read (once more if its older
 * value was read) unless rewritten again during the last pass.
 * Nothing is left behind on the server. A bucket keeping more than one
 * revision per key may, after the consumer recovers from a gap, also yield an
 * older revision of a key again.
 * `decode` throws to refuse a value; the read then throws that error.
 */
export async function readBucketValues<T>(
  nats: KvNats,
  bucket: KvBucket,
  decode: (key: string, data: Uint8Array) => T,
  options: ReadValuesOptions = {},
): Promise<BucketValues<T>> {
  const { consumer, lastSeq } = await currentValuesConsumer(nats, bucket);
  // The consumer's pending count at creation: one message per key.
  const total = (await consumer.info(true)).num_pending;
  const stream = `KV_${bucket}`;
  let end = lastSeq;
  let chases = options.untilStart === true ? 0 : CHASES;
  /** True when the read is done at `seq`: past the end it knew, and no further end to chase (or none written since). */
  const doneAt = async (seq: number): Promise<boolean> => {
    while (seq >= end) {
      if (chases === 0) return true;
      chases -= 1;
      const next = (await nats.jsm.streams.info(stream)).state.last_seq;
      if (next <= end) return true;
      end = next;
    }
    return false;
  };
  const messages = total === 0 ? undefined : await consumer.consume({ max_messages: READ_AHEAD, expires: PULL_EXPIRES_MS });
  if (messages) {
    void (async () => {
      // A heartbeat comes only when the server has nothing to send: every key still present was read.
      for await (const s of messages.status()) if (s.type === 'heartbeat') messages.stop();
    })();
  }
  const entries = async function* (): AsyncGenerator<BucketEntry<T>> {
    try {
      if (!messages) return;
      for await (const m of messages) {
        if (!isDeletion(m.headers)) {
          const key = keyOf(bucket, m.subject);
          yield { key, value: decode(key, m.data), revision: m.seq };
        }
        if (m.info.pending === 0 || (m.seq >= end && (await doneAt(m.seq)))) break;
      }
    } finally {
      messages?.stop();
      await consumer.delete().catch(() => undefined);
    }
  };
  return Object.assign(entries(), { total, stop: () => messages?.stop() });
}

/**
 * Follows a bucket with one ephemeral ordered push consumer, as the KV
 * client's own watch does: every key's current value first (unless
 * `newOnly`), then every change as it happens. For a bucket of one revision
 * per key it delivers the whole stream (unfiltered, see
 * {@link currentValuesConsumer}); otherwise the last value per key.
 * `stop()` ends the iteration. `decode` throws to refuse a value, when the
 * change's `value` is read.
 */
export async function watchBucket<T>(
  nats: KvNats,
  bucket: KvBucket,
  decode: (key: string, data: Uint8Array) => T,
  newOnly: boolean,
): Promise<AsyncIterable<BucketChange<T>> & { stop(): void }> {
  const { stream, filter, plain } = await bucketStream(nats, bucket);
  const deliver = newOnly ? DeliverPolicy.New : plain ? DeliverPolicy.All : DeliverPolicy.LastPerSubject;
  const consumer = await nats.js.consumers.getPushConsumer(stream, { deliver_policy: deliver, ...(plain ? {} : { filter_subjects: filter }) });
  const messages = await consumer.consume();
  const changes = async function* (): AsyncGenerator<BucketChange<T>> {
    try {
      for await (const m of messages) {
        const key = keyOf(bucket, m.subject);
        const isPut = !isDeletion(m.headers);
        let decoded: { value: T | undefined } | undefined;
        yield {
          key,
          revision: m.seq,
          isPut,
          get value(): T | undefined {
            decoded ??= { value: isPut ? decode(key, m.data) : undefined };
            return decoded.value;
          },
        };
      }
    } finally {
      messages.stop();
    }
  };
  return Object.assign(changes(), { stop: () => messages.stop() });
}
