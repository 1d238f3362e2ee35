// Issue 22, item 3 (decisions 0140, 0141): what a new case costs on the bus,
// counted, not timed. Per URL: one case write (no second write that clears
// the outbox), one referral, one notice; and no watch on the case bucket that
// would deliver the dispatcher's own writes back to it.
import { type Bus, streamState } from '@relay/bus';
import { observation, publishObservation, startRelay, type TestRelay, testUrl } from '@relay/testing';
import { waitFor } from '@relay/testkit';
import { StreamName } from '@relay/wire';
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
