import { startNatsServer } from '@relay/testkit';
import { KvBucket, type StreamName } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { type Bus, type BucketChange, BucketValueError, type BucketEntry, busConfigFromEnv, connectBus, ensureTopology, type JsonBucket, openJsonBucket, streamState } from './index.js';

/** Runs `use` against a fresh nats-server with the relay topology: each test sees only its own keys. */
async function withBucket<T>(use: (bucket: JsonBucket<{ n: number }>, bus: Bus) => Promise<T>, name: KvBucket = KvBucket.Cases): Promise<T> {
  const server = await startNatsServer();
  const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'kv-values-test'));
  try {
    await ensureTopology(bus, { replicas: 1 });
    return await use(await openJsonBucket<{ n: number }>(bus, name), bus);
  } finally {
    await bus.close();
    await server.dispose();
  }
}

async function putMany(bucket: JsonBucket<{ n: number }>, keys: readonly string[], n: (i: number) => number): Promise<void> {
  for (let i = 0; i < keys.length; i += 200) await Promise.all(keys.slice(i, i + 200).map((k, j) => bucket.put(k, { n: n(i + j) })));
}

/**
 * Writes without a pause, as a loaded relay does, until stopped: each turn a new key (`live<n>`) and
 * four of `rewrite` again, from the last back, ahead of a read in revision order (a removed value
 * the server's pending count keeps counting: decisions 0157, 0158). @relay/testing's `startWriting`
 * does the same for the services' tests; this lib cannot import it.
 */
function keepWriting(bucket: JsonBucket<{ n: number }>, rewrite: readonly string[]): { writing(): boolean; stop(): Promise<void> } {
  let writing = true;
  const done = (async () => {
    for (let i = 0; writing; i++) {
      const ahead = (j: number): string => rewrite[rewrite.length - 1 - ((4 * i + j) % rewrite.length)] as string;
      await Promise.all([bucket.put(`live${i}`, { n: 2 }), ...[0, 1, 2, 3].map((j) => bucket.put(ahead(j), { n: 3 }))]);
    }
  })();
  return {
    writing: () => writing,
    stop: async () => {
      writing = false;
      await done;
    },
  };
}

async function readAll<T>(values: AsyncIterable<BucketEntry<T>>): Promise<BucketEntry<T>[]> {
  const out: BucketEntry<T>[] = [];
  for await (const e of values) out.push(e);
  return out;
}

describe('reading every value of a bucket', () => {
  it('yields the latest value of each key once, skips deleted keys, and leaves no consumer behind', async () => {
    await withBucket(async (bucket, bus) => {
      const keys = Array.from({ length: 2_500 }, (_, i) => `k${i}`);
      await putMany(bucket, keys, () => 1);
      await putMany(bucket, keys.slice(0, 300), (i) => 100 + i);
      for (const k of keys.slice(2_400)) await bucket.delete(k);

      const values = await bucket.values();
      expect(values.total).toBe(2_500);
      const read = await readAll(values);
      expect(read).toHaveLength(2_400);
      expect(new Set(read.map((e) => e.key)).size).toBe(2_400);
      const byKey = new Map(read.map((e) => [e.key, e]));
      expect(byKey.get('k7')?.value).toEqual({ n: 107 });
      expect(byKey.get('k300')?.value).toEqual({ n: 1 });
      expect(byKey.has('k2450')).toBe(false);
      expect(byKey.get('k7')?.revision).toBe((await bucket.get('k7'))?.revision);
      // Oldest revision first.
      expect(read.map((e) => e.revision)).toEqual([...read.map((e) => e.revision)].sort((a, b) => a - b));
      expect((await streamState(bus, `KV_${KvBucket.Cases}` as StreamName))?.consumers).toBe(0);
    });
  });

  it('reads keys written while it reads with their newest value, and ends once caught up', async () => {
    await withBucket(async (bucket) => {
      const old = Array.from({ length: 3_000 }, (_, i) => `old${i}`);
      await putMany(bucket, old, () => 1);
      const values = await bucket.values();
      const last = new Map<string, number>();
      for await (const e of values) {
        last.set(e.key, e.value.n);
        if (last.size === 10) {
          await putMany(bucket, Array.from({ length: 500 }, (_, i) => `new${i}`), () => 2);
          await putMany(bucket, old.slice(2_500), () => 3);
        }
      }
      expect(last.size).toBe(3_500);
      expect(old.slice(2_500).every((k) => last.get(k) === 3)).toBe(true);
      expect(last.get('new499')).toBe(2);
    });
  });

  it('with untilStart ends at what was stored when it began, while writes go on', async () => {
    await withBucket(async (bucket) => {
      const old = Array.from({ length: 3_000 }, (_, i) => `old${i}`);
      await putMany(bucket, old, () => 1);
      const writer = keepWriting(bucket, old.slice(2_000));
      try {
        const read = await readAll(await bucket.values({ untilStart: true }));
        expect(writer.writing()).toBe(true);
        const keys = new Set(read.map((e) => e.key));
        // Every key not rewritten during the read; of the writes after it began, at most the one that ended it.
        expect(old.slice(0, 2_000).every((k) => keys.has(k))).toBe(true);
        expect(read.filter((e) => e.key.startsWith('live')).length).toBeLessThanOrEqual(1);
      } finally {
        await writer.stop();
      }
    });
  }, 30_000);

  it('without untilStart reads the keys rewritten ahead of it too, and still ends while writes go on', async () => {
    await withBucket(async (bucket) => {
      const old = Array.from({ length: 3_000 }, (_, i) => `old${i}`);
      await putMany(bucket, old, () => 1);
      const writer = keepWriting(bucket, old);
      try {
        const read = await readAll(await bucket.values());
        expect(writer.writing()).toBe(true);
        // Every key stored when it began, the rewritten ones included (their old value was gone before it got there).
        const keys = new Set(read.map((e) => e.key));
        expect(old.filter((k) => !keys.has(k))).toEqual([]);
        // It went on past where it began, to what was written while it read.
        expect(read.some((e) => e.key.startsWith('live'))).toBe(true);
      } finally {
        await writer.stop();
      }
    });
  }, 30_000);

  it('skips keys deleted before it reaches them', async () => {
    await withBucket(async (bucket) => {
      const keys = Array.from({ length: 3_000 }, (_, i) => `k${i}`);
      await putMany(bucket, keys, () => 1);
      const values = await bucket.values();
      const read: string[] = [];
      for await (const e of values) {
        read.push(e.key);
        if (read.length === 10) for (const k of keys.slice(2_900)) await bucket.delete(k);
      }
      expect(read).toEqual(keys.slice(0, 2_900));
    });
  });

  it('ends at once on an empty bucket, and when stopped', async () => {
    await withBucket(async (bucket) => {
      const empty = await bucket.values();
      expect(empty.total).toBe(0);
      expect(await readAll(empty)).toEqual([]);

      await putMany(bucket, Array.from({ length: 2_000 }, (_, i) => `k${i}`), () => 1);
      const values = await bucket.values();
      let seen = 0;
      for await (const _ of values) if (++seen === 5) values.stop();
      expect(seen).toBeLessThan(2_000);
    });
  });

  it('throws for a stored value its parser rejects', async () => {
    await withBucket(async (bucket, bus) => {
      await bucket.put('bad', { n: -1 });
      const strict = await openJsonBucket(bus, KvBucket.Cases, (raw) => {
        if ((raw as { n: number }).n < 0) throw new Error('n must not be negative');
        return raw as { n: number };
      });
      await expect(readAll(await strict.values())).rejects.toBeInstanceOf(BucketValueError);
    });
  });
});

describe('reading a bucket that keeps several revisions per key', () => {
  it('yields only the latest revision of each key', async () => {
    await withBucket(async (bucket) => {
      await putMany(bucket, ['a', 'b'], () => 1);
      await bucket.put('a', { n: 2 });
      await bucket.put('a', { n: 3 });
      const read = await readAll(await bucket.values());
      expect(read.map((e) => [e.key, e.value.n])).toEqual([
        ['b', 1],
        ['a', 3],
      ]);
    }, KvBucket.Directory);
  });
});

describe('watching a bucket', () => {
  async function next<T>(it: AsyncIterator<BucketChange<T>>): Promise<[string, T | undefined]> {
    const r = await it.next();
    if (r.done) throw new Error('the watch ended');
    return [r.value.key, r.value.value];
  }

  for (const name of [KvBucket.Cases, KvBucket.Directory]) {
    it(`sees the current values, then every change and deletion, in order (${name})`, async () => {
      await withBucket(async (bucket) => {
        await bucket.put('a', { n: 1 });
        await bucket.put('b', { n: 1 });
        await bucket.put('a', { n: 2 });
        const changes = await bucket.watch();
        const it = changes[Symbol.asyncIterator]();
        expect([await next(it), await next(it)]).toEqual([
          ['b', { n: 1 }],
          ['a', { n: 2 }],
        ]);
        await bucket.put('c', { n: 3 });
        await bucket.delete('b');
        expect([await next(it), await next(it)]).toEqual([
          ['c', { n: 3 }],
          ['b', undefined],
        ]);
        changes.stop();
        expect((await it.next()).done).toBe(true);
      }, name);
    });
  }

  it('with newOnly sees only what is written after it began', async () => {
    await withBucket(async (bucket) => {
      await bucket.put('old', { n: 1 });
      const changes = await bucket.watch({ newOnly: true });
      const it = changes[Symbol.asyncIterator]();
      await bucket.put('new', { n: 2 });
      expect(await next(it)).toEqual(['new', { n: 2 }]);
      changes.stop();
    });
  });
});
