import { type Bus, openJsonBucket, PERSONAL_DATA_MAX_AGE_MS } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { deriveId, KvBucket, StatusAction, type StatusUpdate } from '@relay/wire';
import { createMetrics } from '@relay/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveClosedCases } from './closed-cases.js';
import { HOSTERS, observation, publishedFor, publishObservation, publishStatus, startRelay, startWriting, type TestRelay } from '@relay/testing';
import { isTombstone, parseStoredCase } from '@relay/cases';
import { drained, outboxPublished } from '../test/dispatcher.js';
import { type CaseState, caseIdOf, runDispatcher, createManualClock, type Dispatcher, referralIdOf } from './index.js';

const DAY = 24 * 3_600_000;
const PERIOD = 30 * DAY;
const metrics = createMetrics('dispatcher-closed-cases-test');
const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
let relay: TestRelay;
let bus: Bus;
let dispatcher: Dispatcher;
const url = (name: string): string => `http://${name}-${deriveId('u', Math.random()).slice(2, 10)}.example.nl/gallery/1`;

beforeAll(async () => {
  relay = await startRelay();
  bus = relay.bus;
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher'), settings: { recheckIntervalMs: 365 * DAY, tickMs: 20 }, clock, metrics });
});
afterAll(async () => {
  await dispatcher?.stop();
  await relay?.dispose();
});

/** The stored case, undefined when absent or a tombstone. */
async function readCase(caseId: string): Promise<CaseState | undefined> {
  const got = (await (await openJsonBucket(bus, KvBucket.Cases, parseStoredCase)).get(caseId))?.value;
  return got && !isTombstone(got) ? got : undefined;
}

/** Reports `u` (a new report each time `reportId` differs) and returns its case once referred. */
async function report(u: string, reportId: string): Promise<CaseState> {
  await publishObservation(bus, observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec', reportId } }));
  return waitFor(async () => {
    const c = await readCase(caseIdOf(u));
    return c?.status === 'open' && c.routing && (await outboxPublished(bus, c)) ? c : undefined;
  });
}

/** Closes a case as its hotline would: content removed. */
async function close(c: CaseState): Promise<void> {
  const u: StatusUpdate = { id: `cr-${c.id.slice(5, 13)}`, hotline: 'eokm', referralId: c.routing!.referralId, caseId: c.id, action: StatusAction.STATUS_ACTION_CR, occurredAt: new Date(clock.now()), note: '' };
  await publishStatus(bus, u);
  await waitFor(async () => ((await readCase(c.id))?.status === 'closed' ? true : undefined));
}

/** Every value the bucket's stream still holds for a key (every revision kept, not only the latest), as JSON text. */
async function rawRevisions(caseId: string): Promise<string[]> {
  const bucket = await openJsonBucket(bus, KvBucket.Cases, (raw) => JSON.stringify(raw));
  return (await bucket.history(caseId)).map((v) => v.value);
}

describe('closed cases past the retention period', () => {
  it('leave only a tombstone without URL or IP; the URL reported again gets one referral with a new id; an open case is untouched', async () => {
    const closedUrl = url('closed');
    const openUrl = url('open');
    const first = await report(closedUrl, 'rpt_first');
    const open = await report(openUrl, 'rpt_open');
    await close(first);
    const openBefore = await rawRevisions(open.id);

    clock.advance(PERIOD + DAY);
    expect(await archiveClosedCases(bus, { afterMs: PERIOD, now: clock.now() })).toEqual({ tombstoned: 1, removed: 0 });

    // The bucket's stream holds one revision of the case, and it names no URL, host or IP.
    const stored = await rawRevisions(first.id);
    expect(stored).toHaveLength(1);
    const o = observation({ url: closedUrl, resolvedAt: 0, cause: { source: 'ncmec' } });
    for (const secret of [closedUrl, o.host, HOSTERS.NL.ip, HOSTERS.NL.asOrganisation]) expect(stored[0]).not.toContain(secret);
    expect(JSON.parse(stored[0]!)).toMatchObject({ id: first.id, tombstone: { nextEpoch: 1 } });
    // The open case is as it was.
    expect(await rawRevisions(open.id)).toEqual(openBefore);
    expect(openBefore[0]).toContain(openUrl);

    // A replay of the report the archived case applied opens nothing (hard rule 2).
    const original = observation({ url: closedUrl, resolvedAt: clock.now(), cause: { source: 'ncmec', reportId: 'rpt_first', receivedAt: clock.now() } });
    await publishObservation(bus, original, `replay:${original.id}`);
    await drained(bus);
    expect((await publishedFor(bus, first.id)).referrals.map((r) => r.id)).toEqual([first.routing!.referralId]);

    // A new report of the URL: the case opens in the next epoch, with a referral id the archived case never had.
    clock.advance(DAY);
    const again = await report(closedUrl, 'rpt_again');
    expect(again.routing?.referralId).toBe(referralIdOf(first, 1));
    const referrals = (await publishedFor(bus, first.id)).referrals.map((r) => r.id);
    expect(referrals).toEqual([first.routing!.referralId, referralIdOf(first, 1)]);
    // Its redelivery yields nothing more.
    const resent = observation({ url: closedUrl, resolvedAt: clock.now(), cause: { source: 'ncmec', reportId: 'rpt_again' } });
    await publishObservation(bus, resent, `redelivered:${resent.id}`);
    await drained(bus);
    expect((await publishedFor(bus, first.id)).referrals).toHaveLength(2);
  }, 60_000);

  it('removes a tombstone only once no observation from before the close can be kept anywhere', async () => {
    const u = url('gone');
    const c = await report(u, 'rpt_gone');
    await close(c);
    clock.advance(PERIOD + DAY);
    expect((await archiveClosedCases(bus, { afterMs: PERIOD, now: clock.now() })).tombstoned).toBeGreaterThanOrEqual(1);

    // Past the period, but not yet past the period and the max age of REPORTS, HOSTING and the DLQ: it stays.
    clock.advance(PERIOD);
    await archiveClosedCases(bus, { afterMs: PERIOD, now: clock.now() });
    expect(await rawRevisions(c.id)).toHaveLength(1);

    clock.advance(PERSONAL_DATA_MAX_AGE_MS);
    expect((await archiveClosedCases(bus, { afterMs: PERIOD, now: clock.now() })).removed).toBeGreaterThanOrEqual(1);
    // Only the deletion marker is left: no value at all.
    expect(await rawRevisions(c.id)).toEqual([]);
  }, 60_000);

  it('are swept while other replicas write cases without a pause, and the sweep ends (decision 0158)', async () => {
    // 3,000 cases closed past the period (copies of a closed one under ids of their own), on a relay of their
    // own, rewritten as they are while new cases are written: the writes of a loaded relay, which a read of
    // the bucket waiting to catch up followed for as long as they went on, so the sweep never ended.
    const c = await report(url('model'), 'rpt_model');
    await close(c);
    const model = await readCase(c.id);
    const own = await startRelay();
    try {
      const cases = await openJsonBucket<unknown>(own.bus, KvBucket.Cases);
      const copy = (name: string): [string, object] => {
        const id = caseIdOf(url(name));
        return [id, { ...model, id }];
      };
      const closed = Array.from({ length: 3_000 }, (_, i) => copy(`swept${i}`));
      const writer = await startWriting(cases, closed, (i) => copy(`later${i}`));
      const now = clock.now() + PERIOD + DAY;
      try {
        expect((await archiveClosedCases(own.bus, { afterMs: PERIOD, now })).tombstoned).toBeGreaterThan(0);
      } finally {
        await writer.stop();
      }
      // Those rewritten before the sweep reached them, and those written after it began, wait for the next sweep.
      await archiveClosedCases(own.bus, { afterMs: PERIOD, now });
      const left: string[] = [];
      for await (const { key, value } of await cases.values()) if (!(value as { tombstone?: object }).tombstone) left.push(key);
      expect(left).toEqual([]);
    } finally {
      await own.dispose();
    }
  }, 60_000);
});
