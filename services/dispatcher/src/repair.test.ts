// Decision 0154: a case whose referral and notice the streams acknowledged and
// do not hold. The dispatcher that published them took the acknowledgements
// at their word, so nothing it does later publishes them again; the answer to
// a repair request (`relay audit --repair`) does.
//
// The loss is made with the streams' own rules: a message already stored
// under each id makes the dispatcher's publish an acknowledged duplicate, and
// a one-second duplicate window then forgets the id, as a server that lost
// the message has.
import { publishMessage } from '@relay/bus';
import { devDirectory, observation, publishedFor, publishObservation, startRelay, type TestRelay, testUrl } from '@relay/testing';
import { exampleMessage, type HostingObservation, RecheckReason, RelayType, StreamName } from '@relay/wire';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drained, outboxPublished, readCase } from '../test/dispatcher.js';
import { caseIdOf, createManualClock, decideObservation, type Dispatcher, runDispatcher } from './index.js';

const T0 = Date.parse('2026-11-02T09:15:00Z');
const WINDOW_MS = 1_000;
const clock = createManualClock(T0);
const URL = testUrl('lost-referral');
const CASE = caseIdOf(URL);
let relay: TestRelay;
let dispatcher: Dispatcher;

beforeAll(async () => {
  relay = await startRelay({ topology: { duplicateWindowMs: { [StreamName.Referrals]: WINDOW_MS, [StreamName.Notices]: WINDOW_MS } } });
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher'), settings: { recheckIntervalMs: 3_600_000 }, clock });
});
afterAll(async () => {
  await dispatcher?.stop();
  await relay?.dispose();
});

/** An observation of `url` resolved at T0 (so it changes nothing about its case), answering recheck `recheckId`. */
function answer(recheckId: string, reason: RecheckReason, url = URL): HostingObservation {
  const caseId = caseIdOf(url);
  const o = observation({ url, resolvedAt: T0, cause: { recheckId, caseId } });
  return { ...o, cause: { cause: { $case: 'recheck', value: { recheckId, caseId, reason } } } };
}

async function delivered(caseId = CASE): Promise<{ referrals: number; notices: number }> {
  const { referrals, notices } = await publishedFor(relay.bus, caseId);
  return { referrals: referrals.length, notices: notices.length };
}

describe('a case whose referral and notice were acknowledged and lost', () => {
  it('gets them published by the answer to a repair request, once, and not by an ordinary recheck', async () => {
    const opening = observation({ url: URL, resolvedAt: T0, cause: { source: 'ncmec' } });
    const ids = decideObservation(undefined, opening, { directory: devDirectory(), directoryRevision: 1, now: T0, recheckIntervalMs: 3_600_000 })?.emits.map((e) => e.msgId) ?? [];
    expect(ids).toHaveLength(2);
    // Other messages under the referral's and the notice's ids: the dispatcher's publishes are acknowledged, not stored.
    await publishMessage(relay.bus, 'relay.referral.XX.nobody', RelayType.Referral, { ...exampleMessage(RelayType.Referral), caseId: 'case_other' }, { msgId: ids[0] ?? '', origin: 'test' });
    await publishMessage(relay.bus, 'relay.notice.XX.police.police-referral', RelayType.Notice, { ...exampleMessage(RelayType.Notice), caseId: 'case_other' }, { msgId: ids[1] ?? '', origin: 'test' });
    await publishObservation(relay.bus, opening);
    await drained(relay.bus);
    const lost = await readCase(relay.bus, CASE);
    expect(lost?.routing).toBeDefined();
    expect(lost && (await outboxPublished(relay.bus, lost))).toBe(false);
    expect(await delivered()).toEqual({ referrals: 0, notices: 0 });
    await sleep(WINDOW_MS * 2);

    // The dispatcher handles the case again: what it believes published, it does not publish.
    await publishObservation(relay.bus, answer('rck_ordinary', RecheckReason.RECHECK_REASON_SCHEDULED));
    await drained(relay.bus);
    expect(await delivered()).toEqual({ referrals: 0, notices: 0 });

    await publishObservation(relay.bus, answer('rck_repair_1', RecheckReason.RECHECK_REASON_REPAIR));
    await drained(relay.bus);
    expect(await delivered()).toEqual({ referrals: 1, notices: 1 });
    const repaired = await readCase(relay.bus, CASE);
    expect(repaired && (await outboxPublished(relay.bus, repaired))).toBe(true);

    // A second repair publishes the same ids again: both streams drop them.
    await publishObservation(relay.bus, answer('rck_repair_2', RecheckReason.RECHECK_REASON_REPAIR));
    await drained(relay.bus);
    expect(await delivered()).toEqual({ referrals: 1, notices: 1 });
  });

  it('keeps them for an hour after the case is written again, so a repair that comes after its recheck claim still publishes them (decision 0162)', async () => {
    const url = testUrl('lost-then-claimed');
    const caseId = caseIdOf(url);
    clock.set(T0);
    const opening = observation({ url, resolvedAt: T0, cause: { source: 'ncmec' } });
    const emits = decideObservation(undefined, opening, { directory: devDirectory(), directoryRevision: 1, now: T0, recheckIntervalMs: 3_600_000 })?.emits ?? [];
    expect(emits).toHaveLength(2);
    // Lost as above: acknowledged as duplicates of other messages, then forgotten by the one-second windows.
    await publishMessage(relay.bus, 'relay.referral.XX.nobody', RelayType.Referral, { ...exampleMessage(RelayType.Referral), caseId: 'case_other' }, { msgId: emits[0]?.msgId ?? '', origin: 'test' });
    await publishMessage(relay.bus, 'relay.notice.XX.police.police-referral', RelayType.Notice, { ...exampleMessage(RelayType.Notice), caseId: 'case_other' }, { msgId: emits[1]?.msgId ?? '', origin: 'test' });
    await publishObservation(relay.bus, opening);
    await drained(relay.bus);
    await sleep(WINDOW_MS * 2);
    expect(await delivered(caseId)).toEqual({ referrals: 0, notices: 0 });

    // Its recheck comes due: the claim writes the case. Before 0162 that write dropped both entries, taken as published.
    const seq = (await readCase(relay.bus, caseId))?.recheck.seq ?? 0;
    clock.advance(3_600_000);
    await dispatcher.tick();
    await drained(relay.bus);
    const claimed = await readCase(relay.bus, caseId);
    expect(claimed?.recheck.seq).toBe(seq + 1);
    expect(claimed?.outbox.filter((e) => e.publishedAt !== undefined).map((e) => e.msgId).sort()).toEqual(emits.map((e) => e.msgId).sort());
    // Kept as published: the claim did not publish them again.
    expect(await delivered(caseId)).toEqual({ referrals: 0, notices: 0 });

    await publishObservation(relay.bus, answer('rck_repair_claimed', RecheckReason.RECHECK_REASON_REPAIR, url));
    await drained(relay.bus);
    expect(await delivered(caseId)).toEqual({ referrals: 1, notices: 1 });

    // An hour after the claim found them published, the next write drops them.
    clock.advance(3_600_000);
    await dispatcher.tick();
    await drained(relay.bus);
    const later = await readCase(relay.bus, caseId);
    expect(later?.recheck.seq).toBe(seq + 2);
    expect(later?.outbox.filter((e) => emits.some((m) => m.msgId === e.msgId))).toEqual([]);
  });
});
