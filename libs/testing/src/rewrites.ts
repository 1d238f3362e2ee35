import type { JsonBucket } from '@relay/bus';

/** Stored keys rewritten per new key written. */
const REWRITES_PER_NEW = 4;

/** A writer started by {@link keepWriting}. */
export interface Writer {
  /** Keys first written by it, in the order written. */
  readonly fresh: readonly string[];
  /** Stops it and waits for its last writes. */
  stop(): Promise<void>;
}

/**
 * Writes `bucket` without a pause, as a loaded relay's replicas do, until
 * stopped: each turn rewrites {@link REWRITES_PER_NEW} of `stored` (from the
 * last back, so ahead of a read of the bucket in revision order) and writes
 * one new key from `fresh`. A rewrite removes a value a read has not reached yet, which
 * nats-server 2.9's pending count keeps counting: a read waiting for that
 * count to reach 0 follows such writes for as long as they go on
 * (decisions 0157, 0158).
 */
export function keepWriting(bucket: JsonBucket<unknown>, stored: readonly (readonly [string, unknown])[], fresh: (i: number) => readonly [string, unknown]): Writer {
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
  return {
    fresh: written,
    stop: async () => {
      writing = false;
      await done;
    },
  };
}
