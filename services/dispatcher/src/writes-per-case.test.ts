// Issue 22, item 3 (decisions 0140, 0141): what a new case costs on the bus,
// counted, not timed. Per URL: one case write (no second write that clears
// the outbox), one referral, one notice; and no watch on the case bucket that
// would deliver the dispatcher's own writes back to it.
import { type Bus, busConfigFromEnv, type BusMetrics, connectBus, openJsonBucket, streamState } from '@relay/bus';
import { CaseStatus } from '@relay/cases';
import { observation, publishObservation, publishStatus, startRelay, startWriting, type TestRelay, testUrl } from '@relay/testing';
import { waitFor } from '@relay/testkit';
import { KvBucket, StatusAction, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drained, outboxPublished, readCase } from '../test/dispatcher.js';
import { caseIdOf, createManualClock, type Dispatcher, runDispatcher } from './index.js';

const N = 60;
const CASES = 'KV_relay-cases' as StreamName;
const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
let relay: TestRelay;
let bus: Bus;
let dispatcher: Dispatcher;

beforeAll(async () => {
  relay = await startRelay();
  bus = relay.bus;
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher-1'), settings: { recheckIntervalMs: 3_600_000, concurrency: 64 }, clock });
});
afterAll(async () => {
  await dispatcher?.stop();
  await relay?.dispose();
});

const lastSeq = async (stream: StreamName): Promise<number> => (await streamState(bus, stream))?.lastSeq ?? 0;

describe('a new case on the bus', () => {
  it('is one case write, one referral and one notice, and the dispatcher reads none of its writes back', async () => {
    await dispatcher.resync();
    const before = { cases: await lastSeq(CASES), referrals: await lastSeq(StreamName.Referrals), notices: await lastSeq(StreamName.Notices) };
    const urls = Array.from({ length: N }, (_, i) => testUrl(`cost${i}`));
    await Promise.all(urls.map((u) => publishObservation(bus, observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec' } }))));
    await drained(bus);
    for (const u of urls) {
      const c = await waitFor(async () => readCase(bus, caseIdOf(u)));
      // The referral and the notice went out; their entries stay in the case until its next write.
      expect(await outboxPublished(bus, c)).toBe(true);
      expect(c.outbox).toHaveLength(2);
      expect(dispatcher.isScheduled(c.id)).toBe(true);
    }
    expect((await lastSeq(CASES)) - before.cases).toBe(N);
    expect((await lastSeq(StreamName.Referrals)) - before.referrals).toBe(N);
    expect((await lastSeq(StreamName.Notices)) - before.notices).toBe(N);
    // No consumer follows the case bucket: nothing the dispatcher wrote is delivered back to it.
    await waitFor(async () => (await streamState(bus, CASES))?.consumers === 0, { what: 'no consumer on the case bucket', timeoutMs: 15_000 });
  });
});

describe('a resync', () => {
  it('reads at a resync the cases stored when it began, not the writes that go on without a pause after it', async () => {
    // Other replicas' cases (copies of one of this dispatcher's, under ids of their own), rewritten
    // again and again while new ones are written, as on a loaded relay. A rewrite removes a value the
    // resync has not reached yet, which the server's pending count keeps counting: a read that waited
    // to catch up would follow the writes (decision 0157).
    // A relay of its own: what it writes stays out of the other tests' way.
    const own = await startRelay();
    const resyncing = await runDispatcher({ bus: await own.connect('dispatcher-resync'), settings: { recheckIntervalMs: 3_600_000 }, clock });
    const cases = await openJsonBucket<unknown>(own.bus, KvBucket.Cases);
    const seed = testUrl('seed');
    await publishObservation(own.bus, observation({ url: seed, resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
    const model = (await waitFor(async () => readCase(own.bus, caseIdOf(seed)))) as object;
    const another = (name: string): [string, object] => {
      const url = testUrl(name);
      return [caseIdOf(url), { ...model, id: caseIdOf(url), url }];
    };
    const copies = Array.from({ length: 3_000 }, (_, i) => another(`copy${i}`));
    const writer = await startWriting(cases, copies, (i) => another(`later${i}`));
    try {
      const before = writer.fresh.length;
      await resyncing.resync();
      const after = writer.fresh.length;
      // The copies stored before it began are scheduled; of the cases first written after the call, only
      // the few written before its read began (a writer's turn takes a round trip, as does the start of the
      // read). Reading on to the writes made during the read schedules nearly all of them (24-28 of 25-28
      // here, decision 0158), and before that it followed the writes for good (23,960 in 45 s, 0157).
      expect(copies.filter(([id]) => resyncing.isScheduled(id)).length).toBeGreaterThanOrEqual(2_000);
      expect(writer.fresh.slice(before, after).filter((id) => resyncing.isScheduled(id)).length).toBeLessThanOrEqual(10);
    } finally {
      await writer.stop();
      await resyncing.stop();
      await own.dispose();
    }
  }, 60_000);
});

describe('a case its dispatcher no longer holds in memory', () => {
  it('is closed without publishing its referral and notice again (decision 0151)', async () => {
    // A dispatcher that keeps 2 cases in memory, counting what it publishes.
    const outcomes = { stored: 0, duplicate: 0, failed: 0 };
    const counting: BusMetrics = { published: (_subject, outcome) => void outcomes[outcome]++, handled: () => undefined };
    const small = await runDispatcher({
      bus: await connectBus(busConfigFromEnv({ NATS_URL: relay.server.url }, 'dispatcher-small'), { metrics: counting }),
      settings: { recheckIntervalMs: 3_600_000, concurrency: 8, cacheSize: 2 },
      clock,
    });
    try {
      await dispatcher.stop();
      const urls = Array.from({ length: 12 }, (_, i) => testUrl(`evicted${i}`));
      for (const u of urls) await publishObservation(bus, observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
      await drained(bus);
      const cases = await Promise.all(urls.map((u) => waitFor(async () => readCase(bus, caseIdOf(u)))));
      for (const c of cases) expect(await outboxPublished(bus, c)).toBe(true);
      expect(outcomes).toEqual({ stored: 24, duplicate: 0, failed: 0 });

      // Its hotline reports each removed, long after 10 of the 12 left the cache.
      for (const c of cases) {
        await publishStatus(bus, { id: `cr-${c.id}`, hotline: 'eokm', referralId: c.routing?.referralId ?? '', caseId: c.id, action: StatusAction.STATUS_ACTION_CR, occurredAt: new Date(clock.now()), note: '' });
      }
      await drained(bus);
      for (const c of cases) {
        const closed = await waitFor(async () => {
          const now = await readCase(bus, c.id);
          return now?.status === CaseStatus.Closed ? now : undefined;
        });
        // The referral and notice, known to be out, are dropped by the closing write, not published again.
        expect(closed.outbox).toEqual([]);
      }
      expect(outcomes).toEqual({ stored: 24, duplicate: 0, failed: 0 });
    } finally {
      await small.stop();
    }
  });
});
