import { waitFor } from '@relay/testkit';
import { type Bus, consumerLag, openJsonBucket, publishBytes, readStream, streamState, tenantConsumerSpecs } from '@relay/bus';
import { parseDirectory, publishDirectory, tenantsOf } from '@relay/directory';
import { Audience, encodeMessage, Header, KvBucket, NoticeKind, RelayType, RoutingReason, StreamName } from '@relay/wire';
import { devDirectory, HOSTERS, observation, publishedFor, publishObservation, readAll, startRecheckResponder, startRelay, type TestRelay, testUrl } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drained, readCase } from '../test/dispatcher.js';
import { caseIdOf, runDispatcher, createManualClock, decideObservation, type Dispatcher } from './index.js';

const INTERVAL = 60_000;
const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
const location = new Map<string, keyof typeof HOSTERS>();
let relay: TestRelay;
let bus: Bus;
let dispatcher: Dispatcher;

beforeAll(async () => {
  relay = await startRelay();
  bus = relay.bus;
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher-1'), settings: { recheckIntervalMs: INTERVAL, tickMs: 20, concurrency: 64, stuckOutboxMs: 200 }, clock });
  await startRecheckResponder(bus, (u) => location.get(u) ?? 'NL', () => clock.now());
});
afterAll(async () => {
  await dispatcher?.stop();
  await relay?.dispose();
});

describe('the dispatcher on a real nats-server', () => {
  it('creates the consumer of every tenant in the directory, so nothing waits on a tenant having connected', async () => {
    const expected = tenantConsumerSpecs(tenantsOf(devDirectory()));
    expect(expected.map((s) => s.durable)).toEqual(expect.arrayContaining(['hotline-eokm', 'hotline-eokm-notices', 'police-nl', 'authority-nl', 'hotline-interpol']));
    await waitFor(async () => {
      for (const spec of expected) if (!(await consumerLag(bus, spec.stream, spec.durable))) return false;
      return true;
    });
  });

  it('refers an ncmec report on a Dutch hoster to eokm and notifies the Dutch police, with the directory revision', async () => {
    const u = testUrl('seed');
    await publishObservation(bus, observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
    const caseId = caseIdOf(u);
    const got = await waitFor(async () => {
      const p = await publishedFor(bus, caseId);
      return p.referrals.length === 1 && p.notices.length === 1 && p.referrals[0]?.directoryRevision !== undefined ? p : undefined;
    });
    expect(got.referrals[0]).toMatchObject({ hotline: 'eokm', jurisdiction: 'NL', source: 'ncmec', reason: RoutingReason.ROUTING_REASON_HOSTED_IN });
    expect(got.referrals[0]?.directoryRevision).toBe(BigInt(dispatcher.stats().directoryRevision ?? -1));
    expect(got.notices[0]?.subject).toBe('relay.notice.NL.police.police-referral');
    const [stored] = await readAll(bus, StreamName.Referrals, RelayType.Referral, 'relay.referral.NL.eokm').then((all) => all.filter((m) => m.message.caseId === caseId));
    expect(stored?.headers[Header.MsgId]).toBe(`dispatcher:${got.referrals[0]?.id}`);
    expect(stored?.headers[Header.Origin]).toBe('dispatcher');
  });

  it('makes one referral for a URL reported by two sources, and the case lists both', async () => {
    const u = testUrl('twice');
    await Promise.all([
      publishObservation(bus, observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec' } })),
      publishObservation(bus, observation({ url: u, resolvedAt: clock.now() + 1, cause: { source: 'iwf' } })),
    ]);
    const caseId = caseIdOf(u);
    await waitFor(async () => (await readCase(bus, caseId))?.sources.length === 2);
    await drained(bus);
    const p = await publishedFor(bus, caseId);
    expect(p.referrals).toHaveLength(1);
    expect((await readCase(bus, caseId))?.sources.sort()).toEqual(['iwf', 'ncmec']);
  });

  it('holds an unresolvable URL, rechecks it, and routes it once the locator finds it', async () => {
    const u = testUrl('held');
    const caseId = caseIdOf(u);
    await publishObservation(bus, observation({ url: u, status: 4, resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
    await waitFor(async () => (await readCase(bus, caseId))?.status === 'held' && dispatcher.isScheduled(caseId));
    location.set(u, 'DE');
    clock.advance(INTERVAL);
    const p = await waitFor(async () => {
      const got = await publishedFor(bus, caseId);
      return got.referrals.length === 1 ? got : undefined;
    });
    expect(p.rechecks[0]?.caseId).toBe(caseId);
    expect(p.referrals[0]).toMatchObject({ hotline: 'eco', jurisdiction: 'DE' });
  });

  it('relocates a case NL -> DE within one recheck interval: referral to eco, German police, case-moved to eokm and the Dutch police', async () => {
    const u = testUrl('moves');
    const caseId = caseIdOf(u);
    await publishObservation(bus, observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
    await waitFor(async () => (await publishedFor(bus, caseId)).referrals.length === 1 && dispatcher.isScheduled(caseId));
    location.set(u, 'DE');
    clock.advance(INTERVAL);
    const p = await waitFor(async () => {
      const got = await publishedFor(bus, caseId);
      return got.referrals.length === 2 && got.notices.length === 4 ? got : undefined;
    });
    const [nl, de] = p.referrals;
    expect(de).toMatchObject({ hotline: 'eco', jurisdiction: 'DE', reason: RoutingReason.ROUTING_REASON_RELOCATED, supersedes: nl?.id });
    expect(p.notices.map((n) => n.subject).sort()).toEqual([
      'relay.notice.DE.police.relocation-in',
      'relay.notice.NL.hotline.eokm.case-moved-out',
      'relay.notice.NL.police.case-moved-out',
      'relay.notice.NL.police.police-referral',
    ]);
    const movedOut = p.notices.find((n) => n.notice.audience === Audience.AUDIENCE_HOTLINE)?.notice;
    expect(movedOut).toMatchObject({ kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, hotline: 'eokm', referralId: de?.id });
  });

  it('publishes the messages of a case whose writer crashed between writing and publishing', async () => {
    const u = testUrl('orphan');
    const caseId = caseIdOf(u);
    const ctx = { directory: devDirectory(), directoryRevision: 1, now: clock.now(), recheckIntervalMs: INTERVAL };
    const t = decideObservation(undefined, observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec' } }), ctx)!;
    const outbox = t.emits.map((e) => ({ msgId: e.msgId, subject: e.subject, type: e.type, data: Buffer.from(encodeMessage(e.type, e.message as never)).toString('base64') }));
    // What a dispatcher leaves behind when killed right after its compare-and-set.
    await (await openJsonBucket(bus, KvBucket.Cases)).put(caseId, { ...t.next, outbox });
    // Another process's write: this dispatcher learns of it when it next reads the bucket (decision 0141).
    await dispatcher.resync();
    const p = await waitFor(async () => {
      const got = await publishedFor(bus, caseId);
      return got.referrals.length === 1 && got.notices.length === 1 ? got : undefined;
    });
    expect(p.referrals[0]?.hotline).toBe('eokm');
    await waitFor(async () => (await readCase(bus, caseId))?.outbox.length === 0, { what: 'the outbox to be cleared' });
  });

  it('publishes nothing new when every observation is replayed, even after a relocation', async () => {
    await drained(bus);
    const before = await Promise.all([StreamName.Referrals, StreamName.Notices].map((s) => streamState(bus, s)));
    let n = 0;
    for await (const m of readStream(bus, { stream: StreamName.Hosting, filterSubject: 'relay.hosting.>' })) {
      // A replay as an operator would do it: same payload, new message id, so JetStream does not drop it.
      await publishBytes(bus, m.subject, m.data, { msgId: `replay:${m.seq}`, origin: 'operator', headers: { [Header.Type]: m.headers[Header.Type] ?? '' } });
      n++;
    }
    expect(n).toBeGreaterThan(5);
    await drained(bus);
    const after = await Promise.all([StreamName.Referrals, StreamName.Notices].map((s) => streamState(bus, s)));
    expect(after.map((s) => s?.messages)).toEqual(before.map((s) => s?.messages));
  });

  it('routes by an operator’s directory change without a restart, recording the new revision', async () => {
    const file = structuredClone(devDirectory().file);
    file.routing = { ...file.routing, DE: { hotline: 'jugendschutz-net', note: 'test' } };
    const revision = await publishDirectory(bus, parseDirectory(file));
    await waitFor(() => dispatcher.stats().directoryRevision === revision);
    const u = testUrl('after-change');
    await publishObservation(bus, observation({ url: u, hoster: HOSTERS.DE, resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
    const p = await waitFor(async () => {
      const got = await publishedFor(bus, caseIdOf(u));
      return got.referrals.length === 1 ? got : undefined;
    });
    expect(p.referrals[0]).toMatchObject({ hotline: 'jugendschutz-net', jurisdiction: 'DE', directoryRevision: BigInt(revision) });
  });

  it('issues each recheck once and each referral once with two dispatchers on the same durable consumers', async () => {
    // The second reads every case again often: it schedules the cases the first wrote too, so both claim them (decision 0141).
    const second = await runDispatcher({ bus: await relay.connect('dispatcher-2'), settings: { recheckIntervalMs: INTERVAL, tickMs: 20, concurrency: 64, caseResyncMs: 200 }, clock });
    try {
      const urls = Array.from({ length: 40 }, (_, i) => testUrl(`pair${i}`));
      await Promise.all(
        urls.flatMap((u) => [
          publishObservation(bus, observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec' } })),
          publishObservation(bus, observation({ url: u, resolvedAt: clock.now() + 1, cause: { source: 'iwf' } })),
        ]),
      );
      await drained(bus);
      await waitFor(() => urls.every((u) => second.isScheduled(caseIdOf(u))) && urls.some((u) => dispatcher.isScheduled(caseIdOf(u))));
      clock.advance(INTERVAL);
      const ids = new Set(urls.map(caseIdOf));
      const rechecks = await waitFor(async () => {
        const all = (await readAll(bus, StreamName.Rechecks, RelayType.RecheckRequest, 'relay.recheck.>')).filter((m) => ids.has(m.message.caseId));
        return all.length >= urls.length ? all : undefined;
      });
      await drained(bus);
      // Let both schedulers run again: a duplicate claim would show up now.
      await Promise.all([dispatcher.tick(), second.tick()]);
      const again = (await readAll(bus, StreamName.Rechecks, RelayType.RecheckRequest, 'relay.recheck.>')).filter((m) => ids.has(m.message.caseId));
      expect(again).toHaveLength(rechecks.length);
      const referrals = (await readAll(bus, StreamName.Referrals, RelayType.Referral, 'relay.referral.>')).filter((m) => ids.has(m.message.caseId));
      expect(referrals).toHaveLength(urls.length);
      expect(new Set(rechecks.map((r) => r.message.caseId)).size).toBe(urls.length);
      expect(rechecks).toHaveLength(urls.length);
    } finally {
      await second.stop();
    }
  });
});
