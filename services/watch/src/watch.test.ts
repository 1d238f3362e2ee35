import { type Bus, publishMessage } from '@relay/bus';
import { type Directory, parseDirectory } from '@relay/directory';
import { devDirectory, type Hoster, HOSTERS, observation, readAll, startRelay, type TestRelay } from '@relay/testing';
import { Audience, deriveId, exampleMessage, type Notice, NoticeKind, RelayType, StreamName, subjectFilters, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Durable, runWatch, type RunningWatch } from './watch.js';
import { drainedConsumer } from '@relay/testing';

const T0 = Date.parse('2026-11-02T14:00:00Z');
const MINUTE = 60_000;
const WINDOW = 30 * MINUTE;
let relay: TestRelay;
let bus: Bus;
let directory: Directory;
let now = T0;
let watch: RunningWatch;

beforeAll(async () => {
  const file = devDirectory().file;
  directory = parseDirectory({ ...file, hosterWaves: { default: { minCases: 10, minDomains: 50, window: '30m' } } });
  relay = await startRelay({ directory });
  bus = relay.bus;
  watch = await runWatch({ bus, directory: () => directory, clock: () => now, sweepIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await watch?.stop();
  await relay?.dispose();
});

/** The dispatcher's relocation notices of one case moving from `from` to `to` at `at`: to the old hotline, the old police (unless `oldPoliceTold` is false) and the new police. */
function relocation(name: string, from: Hoster, to: Hoster, at: number, oldPoliceTold = true): { subject: string; notice: Notice }[] {
  const url = `http://${name}.example.nl/gallery/1`;
  const caseId = deriveId('case', url);
  const before = observation({ url, hoster: from, resolvedAt: at - 3_600_000, cause: { source: 'ncmec' } });
  const after = observation({ url, hoster: to, resolvedAt: at, cause: { recheckId: deriveId('rck', caseId, 1), caseId } });
  const base = { ...exampleMessage(RelayType.Notice), caseId, url, hostingBefore: before, hostingAfter: after, issuedAt: new Date(at), files: undefined, wave: undefined };
  const n = (kind: NoticeKind, audience: Audience, country: string, hotline = ''): { subject: string; notice: Notice } => ({
    subject: hotline ? subjects.notice(country, audience, kind, hotline) : subjects.notice(country, audience, kind),
    notice: { ...base, id: deriveId('ntc', caseId, kind, audience, country, hotline), kind, audience, country, hotline },
  });
  return [
    n(NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, Audience.AUDIENCE_HOTLINE, from.country, 'eokm'),
    ...(oldPoliceTold ? [n(NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, Audience.AUDIENCE_POLICE, from.country)] : []),
    n(NoticeKind.NOTICE_KIND_RELOCATION_IN, Audience.AUDIENCE_POLICE, to.country),
  ];
}

async function publish(notices: { subject: string; notice: Notice }[], replay = ''): Promise<void> {
  for (const { subject, notice } of notices) await publishMessage(bus, subject, RelayType.Notice, notice, { msgId: `dispatcher:${notice.id}${replay}`, origin: 'dispatcher' });
}

async function waveNotices(): Promise<{ subject: string; notice: Notice }[]> {
  const all = await readAll(bus, StreamName.Notices, RelayType.Notice, subjectFilters.notices());
  return all.filter((m) => m.message.kind === NoticeKind.NOTICE_KIND_HOSTER_RELOCATED).map((m) => ({ subject: m.subject, notice: m.message }));
}

describe('relocation waves', () => {
  it('tells one growing wave per audience when a hoster moves 25 cases, lists only what each may know, and none for a hoster moving 3', async () => {
    // 25 NForce sites move NL -> DE two minutes apart; the Dutch police were told only of the even ones.
    for (let i = 0; i < 25; i++) await publish(relocation(`site${i}`, HOSTERS.NL, HOSTERS.DE, T0 + i * 2 * MINUTE, i % 2 === 0));
    // LeaseWeb moves three.
    for (let i = 0; i < 3; i++) await publish(relocation(`few${i}`, HOSTERS.NL2, HOSTERS.DE, T0 + i * MINUTE));
    await drainedConsumer(bus, StreamName.Notices, Durable.Notices);
    now = T0 + 25 * 2 * MINUTE + WINDOW + 1;
    await watch.sweep();

    const waves = await waveNotices();
    expect(waves.every((w) => w.notice.wave?.hosterBefore?.asn === HOSTERS.NL.asn)).toBe(true);
    const bySubject = new Map<string, Notice[]>();
    for (const w of waves) bySubject.set(w.subject, [...(bySubject.get(w.subject) ?? []), w.notice]);
    expect([...bySubject.keys()].sort()).toEqual(
      [
        'relay.notice.DE.hotline.eco.hoster-relocated',
        'relay.notice.DE.police.hoster-relocated',
        'relay.notice.NL.authority.hoster-relocated',
        'relay.notice.NL.hotline.eokm.hoster-relocated',
        'relay.notice.NL.police.hoster-relocated',
      ].sort(),
    );
    for (const [subject, notices] of bySubject) {
      // One wave, a few revisions that grow (10, 20, then the final 25), not one notice per case.
      expect(new Set(notices.map((n) => n.wave?.waveId)).size, subject).toBe(1);
      expect(notices.map((n) => n.wave?.caseCount), subject).toEqual([10, 20, 25]);
      expect(notices.map((n) => n.wave?.revision), subject).toEqual([1, 2, 3]);
      expect(notices.map((n) => n.wave?.final), subject).toEqual([false, false, true]);
      const last = notices.at(-1)!;
      expect(last.wave?.countryFrom).toBe('NL');
      expect(last.wave?.countryTo).toBe('DE');
      expect(last.wave?.hostersAfter).toEqual([{ asn: HOSTERS.DE.asn, asOrganisation: HOSTERS.DE.asOrganisation, country: 'DE', cases: 25 }]);
      expect(last.caseId).toBe('');
    }
    const final = (subject: string) => bySubject.get(subject)!.at(-1)!.wave!;
    expect(final('relay.notice.NL.hotline.eokm.hoster-relocated').caseIds).toHaveLength(25);
    expect(final('relay.notice.DE.hotline.eco.hoster-relocated').caseIds).toHaveLength(25);
    expect(final('relay.notice.DE.police.hoster-relocated').caseIds).toHaveLength(25);
    // Need to know: the Dutch police and ATKM were told of 13 of the 25 cases, and only those are listed to them.
    const told = Array.from({ length: 25 }, (_, i) => i)
      .filter((i) => i % 2 === 0)
      .map((i) => deriveId('case', `http://site${i}.example.nl/gallery/1`))
      .sort();
    expect(final('relay.notice.NL.police.hoster-relocated').caseIds).toEqual(told);
    expect(final('relay.notice.NL.authority.hoster-relocated').caseIds).toEqual(told);
    expect(final('relay.notice.NL.police.hoster-relocated').caseCount).toBe(25);
  });

  it('never tells a wave twice when its notices are redelivered or replayed after the duplicate window', async () => {
    const before = (await waveNotices()).length;
    for (let i = 0; i < 25; i++) await publish(relocation(`site${i}`, HOSTERS.NL, HOSTERS.DE, T0 + i * 2 * MINUTE, i % 2 === 0), ':replayed');
    await drainedConsumer(bus, StreamName.Notices, Durable.Notices);
    await watch.sweep();
    expect((await waveNotices()).length).toBe(before);
  });
});
