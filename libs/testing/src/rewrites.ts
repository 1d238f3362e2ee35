import type { JsonBucket } from '@relay/bus';
import { waitFor } from '@relay/testkit';

/** Stored keys rewritten per new key written. */
const REWRITES_PER_NEW = 4;
/** New keys written before {@link startWriting} returns: the writes are under way. */
const UNDER_WAY = 20;

/** A writer started by {@link startWriting}. */
export interface Writer {
  /** Keys first written by it, in the order written. */
  readonly fresh: readonly string[];
  /** Stops it and waits for its last writes. */
  stop(): Promise<void>;
}

/**
 * Stores `stored` in `bucket`, then writes it without a pause, as a loaded
 * relay's replicas do, until stopped: each turn rewrites
 * {@link REWRITES_PER_NEW} of `stored` (from the last back, so ahead of a
 * read of the bucket in revision order) and writes one new key from
 * `fresh`. Returns once the writes are under way. A rewrite removes a value
 * a read has not reached yet, which nats-server 2.9's pending count keeps
 * counting: a read waiting for that count to reach 0 follows such writes for
 * as long as they go on (decisions 0157, 0158).
 */
export async function startWriting(bucket: JsonBucket<unknown>, stored: readonly (readonly [string, unknown])[], fresh: (i: number) => readonly [string, unknown]): Promise<Writer> {
  for (let i = 0; i < stored.length; i += 200) await Promise.all(stored.slice(i, i + 200).map(([key, value]) => bucket.put(key, value)));
  const written: string[] = [];
  let writing = true;
  const done = (async () => {
    for (let i = 0; writing; i++) {
      const rewrites = Array.from({ length: REWRITES_PER_NEW }, (_, j) => stored[stored.length - 1 - ((REWRITES_PER_NEW * i + j) % stored.length)] as readonly [string, unknown]);
      const [newKey, newValue] = fresh(i);
      await Promise.all([...rewrites.map(([key, value]) => bucket.put(key, value)), bucket.put(newKey, newValue)]);
      written.push(newKey);
    }
  })();
  const stop = async (): Promise<void> => {
    writing = false;
    await done;
  };
  try {
    await waitFor(() => Promise.resolve(written.length >= UNDER_WAY), { what: 'the writes to begin' });
  } catch (err) {
    await stop();
    throw err;
  }
  return { fresh: written, stop };
}
