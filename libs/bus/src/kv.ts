import { Kvm, type KV } from '@nats-io/kv';
import { type KvBucket, RelayError } from '@relay/wire';
import { type Bus, internals } from './connection.js';
import { ConflictError, isWrongLastSequenceError } from './errors.js';
import { type BucketChange, type BucketValues, type ReadValuesOptions, readBucketValues, watchBucket } from './kv-consumer.js';

/** A value read from a bucket with the revision a compare-and-set needs. */
export interface Versioned<T> {
  readonly value: T;
  readonly revision: number;
}

/** A KV bucket of JSON values of one shape. */
export interface JsonBucket<T> {
  readonly name: KvBucket;
  get(key: string): Promise<Versioned<T> | undefined>;
  /** Writes unconditionally; returns the new revision. */
  put(key: string, value: T): Promise<number>;
  /**
   * Writes only when the key has no value (compare-and-set against "absent"),
   * so of several writers racing for a key exactly one wins. Returns the new
   * revision, or undefined when the key already had a value.
   */
  create(key: string, value: T): Promise<number | undefined>;
  /**
   * Read-modify-write with compare-and-set: `change` gets the current value
   * (undefined when absent) and returns the next, or undefined for "no
   * change". A concurrent writer makes it re-read and call `change` again, so
   * `change` must be pure. Safe with any number of replicas.
   * `known` is a value the caller already holds (a cache; revision 0 and
   * value undefined for "absent"): the first attempt uses it instead of
   * reading, and a stale `known` only costs one lost compare-and-set.
   * @throws ConflictError after `attempts` lost races (retryable).
   */
  update(
    key: string,
    change: (current: T | undefined) => T | undefined,
    attempts?: number,
    known?: { readonly value: T | undefined; readonly revision: number },
  ): Promise<Versioned<T> | undefined>;
  delete(key: string): Promise<void>;
  /** Deletes the key only while `revision` is its latest (compare-and-set); false when it has changed since. */
  deleteIf(key: string, revision: number): Promise<boolean>;
  /** Every key (optionally matching a subject-style filter). */
  keys(filter?: string): AsyncIterable<string>;
  /**
   * The current value of every key, in revision order, read with one ordered
   * consumer that pulls only as fast as the caller iterates: memory stays
   * bounded for millions of keys. A key written while reading is read with
   * its newer value too (so possibly twice): the read goes on to the values
   * written while it read, a bounded number of times, or
   * with `untilStart` ends at the last value stored when it began (see
   * {@link ReadValuesOptions}).
   */
  values(options?: ReadValuesOptions): Promise<BucketValues<T>>;
  /**
   * How many values the bucket's stream holds now (one per key in a bucket
   * of one revision per key; a deletion's marker counts until purged).
   */
  size(): Promise<number>;
  /** Current values first (unless `newOnly`), then every change as it happens. */
  watch(options?: { newOnly?: boolean }): Promise<AsyncIterable<BucketChange<T>> & { stop(): void }>;
  /** Every stored revision of a key, oldest first. */
  history(key: string): Promise<Versioned<T>[]>;
}

/** A stored value that does not parse or validate. */
export class BucketValueError extends RelayError {
  override name = 'BucketValueError';

  constructor(bucket: string, key: string, cause: unknown) {
    super('kv-value-invalid', `${bucket}/${key}: stored value is invalid: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/**
 * Opens a bucket created by `ensureTopology`. `parse` validates each value
 * read (a zod schema's `parse` fits); it throws to refuse a value.
 */
export async function openJsonBucket<T>(bus: Bus, name: KvBucket, parse: (raw: unknown) => T = (raw) => raw as T): Promise<JsonBucket<T>> {
  const nats = internals(bus);
  const kv: KV = await new Kvm(nats.js).open(name);
  const text = new TextDecoder();
  const decode = (key: string, data: Uint8Array): T => {
    try {
      return parse(JSON.parse(text.decode(data)));
    } catch (err) {
      throw new BucketValueError(name, key, err);
    }
  };
  const encode = (value: T): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
  const get = async (key: string): Promise<Versioned<T> | undefined> => {
    const e = await kv.get(key);
    if (!e || e.operation !== 'PUT') return undefined;
    return { value: decode(key, e.value), revision: e.revision };
  };

  return {
    name,
    get,
    put: (key, value) => kv.put(key, encode(value)),
    create: async (key, value) => {
      try {
        return await kv.create(key, encode(value));
      } catch (err) {
        if (isCasConflict(err)) return undefined;
        throw err;
      }
    },
    update: async (key, change, attempts = 20, known) => {
      for (let attempt = 0; attempt < attempts; attempt++) {
        let live: Versioned<T> | undefined;
        if (attempt === 0 && known) {
          live = known.value === undefined ? undefined : { value: known.value, revision: known.revision };
        } else {
          const current = await kv.get(key);
          live = current?.operation === 'PUT' ? { value: decode(key, current.value), revision: current.revision } : undefined;
        }
        const next = change(live?.value);
        if (next === undefined) return live;
        try {
          const revision = live ? await kv.update(key, encode(next), live.revision) : await kv.create(key, encode(next));
          return { value: next, revision };
        } catch (err) {
          if (!isCasConflict(err)) throw err;
        }
      }
      throw new ConflictError(name, key, attempts);
    },
    delete: (key) => kv.delete(key),
    deleteIf: async (key, revision) => {
      try {
        await kv.delete(key, { previousSeq: revision });
        return true;
      } catch (err) {
        if (isCasConflict(err)) return false;
        throw err;
      }
    },
    keys: async function* (filter) {
      for await (const k of await kv.keys(filter)) yield k;
    },
    values: (options) => readBucketValues(nats, name, decode, options),
    size: async () => (await kv.status()).values,
    watch: (options = {}) => watchBucket(nats, name, decode, options.newOnly === true),
    history: async (key) => {
      const out: Versioned<T>[] = [];
      const it = await kv.history({ key });
      for await (const e of it) if (e.operation === 'PUT') out.push({ value: decode(key, e.value), revision: e.revision });
      return out;
    },
  };
}

/** A create of an existing key, or an update with a stale revision (10071, typed by the client). */
const isCasConflict = isWrongLastSequenceError;
