import { type NatsServer, startNatsServer } from '@relay/testkit';
import { KvBucket, RelayType, StreamName, exampleMessage, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, openJsonBucket, publishMessage, readStream } from './index.js';

let server: NatsServer;
const buses: Bus[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  for (let i = 0; i < 3; i++) buses.push(await connectBus(busConfigFromEnv({ NATS_URL: server.url }, `kv-test-${i}`)));
  await ensureTopology(buses[0] as Bus, { replicas: 1 });
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await server?.dispose();
});

describe('JSON buckets', () => {
  it('loses no update when three connections compare-and-set the same key at once', async () => {
    const buckets = await Promise.all(buses.map((b) => openJsonBucket<{ n: number; by: string[] }>(b, KvBucket.Cases)));
    await Promise.all(
      buckets.flatMap((bucket, i) =>
        Array.from({ length: 20 }, (_, j) =>
          bucket.update('counter', (cur) => ({ n: (cur?.n ?? 0) + 1, by: [...(cur?.by ?? []), `${i}-${j}`] }), 200),
        ),
      ),
    );
    const final = await buckets[0]?.get('counter');
    expect(final?.value.n).toBe(60);
    expect(new Set(final?.value.by).size).toBe(60);
  });

  it('lets exactly one of three connections create a key, and the others see the winner', async () => {
    const buckets = await Promise.all(buses.map((b) => openJsonBucket<{ by: number }>(b, KvBucket.Intake)));
    const revisions = await Promise.all(buckets.map((bucket, i) => bucket.create('race.1', { by: i })));
    const winners = revisions.flatMap((r, i) => (r === undefined ? [] : [i]));
    expect(winners).toHaveLength(1);
    expect((await buckets[0]?.get('race.1'))?.value).toEqual({ by: winners[0] });
    expect(await buckets[1]?.create('race.1', { by: 9 })).toBeUndefined();
  });

  it('writes nothing when the change says "no change"', async () => {
    const bucket = await openJsonBucket<{ v: number }>(buses[0] as Bus, KvBucket.Cases);
    const first = await bucket.update('same', () => ({ v: 1 }));
    const second = await bucket.update('same', () => undefined);
    expect(second?.revision).toBe(first?.revision);
  });

  it('uses a known value for the first attempt and re-reads when it was stale', async () => {
    const [a, b] = await Promise.all(buses.slice(0, 2).map((bus) => openJsonBucket<{ n: number }>(bus, KvBucket.Cases)));
    const first = await a!.update('known', () => ({ n: 1 }), 5, { value: undefined, revision: 0 });
    await b!.update('known', (cur) => ({ n: (cur?.n ?? 0) + 10 }));
    const seen: (number | undefined)[] = [];
    const after = await a!.update('known', (cur) => (seen.push(cur?.n), { n: (cur?.n ?? 0) + 1 }), 5, first);
    expect(seen).toEqual([1, 11]);
    expect(after?.value.n).toBe(12);
    const unchanged = await a!.update('known', () => undefined, 5, after);
    expect(unchanged).toEqual(after);
  });

  it('refuses a stored value its parser rejects', async () => {
    const raw = await openJsonBucket<unknown>(buses[0] as Bus, KvBucket.Cases);
    await raw.put('bad', { v: 'not a number' });
    const strict = await openJsonBucket(buses[0] as Bus, KvBucket.Cases, (x) => {
      if (typeof (x as { v?: unknown }).v !== 'number') throw new Error('v must be a number');
      return x as { v: number };
    });
    await expect(strict.get('bad')).rejects.toThrow(/relay-cases\/bad: stored value is invalid: v must be a number/);
  });
});

describe('readStream', () => {
  it('reads a subject range in order and stops at the end', async () => {
    const bus = buses[0] as Bus;
    for (let i = 0; i < 5; i++) {
      await publishMessage(bus, subjects.status(i % 2 ? 'iwf' : 'eokm'), RelayType.StatusUpdate, { ...exampleMessage(RelayType.StatusUpdate), id: `s${i}` }, {
        msgId: `read-${i}`,
        origin: 'test',
      });
    }
    const seqs: number[] = [];
    for await (const m of readStream(bus, { stream: StreamName.Status, filterSubject: subjects.status('eokm') })) seqs.push(m.seq);
    expect(seqs).toEqual([1, 3, 5]);
    const from3: number[] = [];
    for await (const m of readStream(bus, { stream: StreamName.Status, startSeq: 3 })) from3.push(m.seq);
    expect(from3).toEqual([3, 4, 5]);
  });

  it('reads nothing, without waiting, from a start time after the last message', async () => {
    const got = [];
    for await (const m of readStream(buses[0] as Bus, { stream: StreamName.Status, startTime: new Date(Date.now() + 60_000) })) got.push(m);
    expect(got).toEqual([]);
  });

  it('reads nothing from an empty stream without waiting', async () => {
    const got = [];
    for await (const m of readStream(buses[0] as Bus, { stream: StreamName.Audit })) got.push(m);
    expect(got).toEqual([]);
  });
});
