import { type Bus, openJsonBucket, publishMessage, streamState } from '@relay/bus';
import { loadDirectoryFile, parseDirectory, publishDirectory } from '@relay/directory';
import { archiveClosedCases, caseIdOf, runDispatcher, createManualClock, type Dispatcher, Durable } from '@relay/dispatcher';
import { waitFor } from '@relay/testkit';
import { Audience, KvBucket, NoticeKind, RelayType, RoutingReason, StatusAction, StreamName, subjects } from '@relay/wire';
import { auditRecords, DEV_DIRECTORY_FILE, drainedConsumer, type Hoster, HOSTERS, observation, publishedFor, publishObservation, publishStatus, readAll, testUrl } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliTestRelay, startTestRelay } from '../../test/relay.js';
import { ExitCode } from '../errors.js';
import type { RerouteResult } from './reroute.js';
import { type CaseView, caseViewSchema } from '../reroute/cases.js';
import { rerouteObservation } from '../reroute/plan.js';

const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
let relay: CliTestRelay;
let bus: Bus;
let dispatcher: Dispatcher;
beforeAll(async () => {
  relay = await startTestRelay();
  bus = relay.bus;
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher'), settings: { recheckIntervalMs: 7 * 24 * 3_600_000, tickMs: 50 }, clock });
  await waitFor(() => dispatcher.ready(), { what: 'the dispatcher to load the directory' });
});
afterAll(async () => {
  await dispatcher?.stop();
  await relay?.dispose();
});

async function readCase(caseId: string): Promise<CaseView | undefined> {
  return (await (await openJsonBucket(bus, KvBucket.Cases, (raw) => caseViewSchema.parse(raw))).get(caseId))?.value;
}

async function openCase(name: string, hoster: Hoster): Promise<CaseView> {
  const u = testUrl(name);
  await publishObservation(bus, observation({ url: u, hoster, resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
  return waitFor(async () => {
    const c = await readCase(caseIdOf(u));
    // Routed and its referral stored (the outbox stays until the case's next write, decision 0140).
    return c?.routing && (await publishedFor(bus, c.id)).referrals.some((r) => r.id === c.routing?.referralId) ? c : undefined;
  });
}

/** Applies a directory changed by `edit`, and waits until the dispatcher has it. */
async function applyDirectory(edit: (file: ReturnType<typeof loadDirectoryFile>['file']) => void): Promise<number> {
  const file = structuredClone(loadDirectoryFile(DEV_DIRECTORY_FILE).file);
  edit(file);
  const revision = await publishDirectory(bus, parseDirectory(file));
  await waitFor(() => dispatcher.stats().directoryRevision === revision, { what: `the dispatcher to take directory revision ${revision}` });
  return revision;
}

async function emitted(): Promise<{ referrals: Awaited<ReturnType<typeof readAll<'relay.v1.Referral'>>>; notices: Awaited<ReturnType<typeof readAll<'relay.v1.Notice'>>> }> {
  await drainedConsumer(bus, StreamName.Hosting, Durable.Hosting);
  return { referrals: await readAll(bus, StreamName.Referrals, RelayType.Referral), notices: await readAll(bus, StreamName.Notices, RelayType.Notice) };
}

describe('relay reroute', () => {
  const nl: CaseView[] = [];
  let de: CaseView;
  let closed: CaseView;

  it('after NL hotline eokm becomes offlimits, sends each open NL case to offlimits exactly once and nothing else', async () => {
    for (let i = 0; i < 3; i++) nl.push(await openCase(`open${i}`, HOSTERS.NL));
    de = await openCase('german', HOSTERS.DE);
    closed = await openCase('removed', HOSTERS.NL);
    await publishStatus(bus, { id: 'cr-1', hotline: 'eokm', referralId: closed.routing?.referralId ?? '', caseId: closed.id, action: StatusAction.STATUS_ACTION_CR, occurredAt: new Date(clock.now()), note: '' });
    await waitFor(async () => (await readCase(closed.id))?.status === 'closed', { what: 'the removed case to close' });
    const before = await emitted();

    const revision = await applyDirectory((file) => {
      const entry = file.hotlines.find((h) => h.id === 'eokm');
      if (!entry) throw new Error('the dev directory has no eokm');
      entry.id = 'offlimits';
    });
    const r = await relay.relay(['reroute', '--reason', 'EOKM renamed itself Offlimits', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(ExitCode.Ok);
    const result = JSON.parse(r.out) as RerouteResult;
    expect(result).toMatchObject({ directoryRevision: revision, evaluated: 4, unchanged: 1, pending: [], closed: [] });
    expect(result.rerouted.map((x) => x.caseId).sort()).toEqual(nl.map((c) => c.id).sort());

    const after = await emitted();
    const newReferrals = after.referrals.slice(before.referrals.length).map((m) => m.message);
    const newNotices = after.notices.slice(before.notices.length);
    expect(newReferrals).toHaveLength(3);
    for (const c of nl) {
      const [ref] = newReferrals.filter((x) => x.caseId === c.id);
      expect(ref).toMatchObject({ hotline: 'offlimits', jurisdiction: 'NL', reason: RoutingReason.ROUTING_REASON_REROUTED, supersedes: c.routing?.referralId, directoryRevision: BigInt(revision) });
      expect(result.rerouted.find((x) => x.caseId === c.id)).toMatchObject({ from: { hotline: 'eokm', referralId: c.routing?.referralId }, to: { hotline: 'offlimits' }, referralId: ref?.id });
    }
    expect(after.referrals.slice(before.referrals.length).every((m) => m.subject === 'relay.referral.NL.offlimits')).toBe(true);
    // Decision 0032: the hotline that had the case hears that it moved; the police already know it.
    expect(newNotices.map((m) => [m.subject, m.message.hotline, m.message.kind])).toEqual(
      nl.map(() => ['relay.notice.NL.hotline.eokm.case-moved-out', 'eokm', NoticeKind.NOTICE_KIND_CASE_MOVED_OUT]),
    );
    expect(newNotices.every((m) => m.message.audience === Audience.AUDIENCE_HOTLINE)).toBe(true);
    expect((await readCase(closed.id))?.routing?.hotline).toBe('eokm');
    expect((await readCase(de.id))?.routing?.hotline).toBe('eco');

    const [record] = (await auditRecords(bus)).filter((a) => a.action === 'reroute');
    expect(record).toMatchObject({ actor: 'operator-test', reason: 'EOKM renamed itself Offlimits', details: { directoryRevision: String(revision), evaluated: '4', reroute: '3' } });
  });

  it('emits and publishes nothing when run again', async () => {
    const before = await emitted();
    const hosting = (await streamState(bus, StreamName.Hosting))?.messages;
    const r = await relay.relay(['reroute', '--reason', 'check it is idempotent', '--json']);
    expect(r.code).toBe(ExitCode.Ok);
    expect(JSON.parse(r.out)).toMatchObject({ evaluated: 4, unchanged: 4, rerouted: [], pending: [], closed: [] });
    const after = await emitted();
    expect(after.referrals).toHaveLength(before.referrals.length);
    expect(after.notices).toHaveLength(before.notices.length);
    expect((await streamState(bus, StreamName.Hosting))?.messages).toBe(hosting);

    // A trigger made from the case as it was before the reroute (a slower concurrent run) is not newer: absorbed.
    const stale = rerouteObservation(nl[0]!, 999_999);
    await publishMessage(bus, subjects.hosting('NL'), RelayType.HostingObservation, stale, { msgId: `operator:${stale.id}`, origin: 'operator' });
    const absorbed = await emitted();
    expect(absorbed.referrals).toHaveLength(before.referrals.length);
    expect(absorbed.notices).toHaveLength(before.notices.length);
  });

  it('with --since lists a recently referred closed case the directory now routes elsewhere, without re-sending it', async () => {
    const before = await emitted();
    const r = await relay.relay(['reroute', '--since', '2026-11-02T09:00:00Z', '--country', 'nl', '--reason', 'what about closed cases']);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toContain('4 cases evaluated, 3 unchanged, 0 rerouted, 0 pending, 1 closed and kept');
    expect(r.out).toMatch(new RegExp(`^closed-kept\\s+${closed.id}\\s+\\S+\\s+NL/eokm\\s+NL/offlimits\\s*$`, 'm'));
    expect((await emitted()).referrals).toHaveLength(before.referrals.length);
  });

  it('two reroutes racing after the next change still send each case once', async () => {
    const before = await emitted();
    await applyDirectory((file) => {
      file.hotlines.find((h) => h.id === 'eokm')!.id = 'offlimits';
      file.routing = { ...file.routing, DE: { hotline: 'jugendschutz-net', note: 'test' } };
    });
    const runs = await Promise.all([1, 2].map((n) => relay.relay(['reroute', '--country', 'DE', '--reason', `race ${n}`, '--json'])));
    expect(runs.map((r) => r.code)).toEqual([ExitCode.Ok, ExitCode.Ok]);
    const after = await emitted();
    const newReferrals = after.referrals.slice(before.referrals.length).map((m) => m.message);
    expect(newReferrals).toHaveLength(1);
    expect(newReferrals[0]).toMatchObject({ caseId: de.id, hotline: 'jugendschutz-net', reason: RoutingReason.ROUTING_REASON_REROUTED });
    expect(after.notices.slice(before.notices.length).map((m) => m.subject)).toEqual(['relay.notice.DE.hotline.eco.case-moved-out']);
  });

  it('says which cases are still pending when the dispatcher is not running, and they move once it is back', async () => {
    await dispatcher.stop();
    const file = structuredClone(loadDirectoryFile(DEV_DIRECTORY_FILE).file);
    file.hotlines.find((h) => h.id === 'eokm')!.id = 'offlimits';
    file.routing = { ...file.routing, DE: { hotline: 'eco', note: 'back to eco' } };
    await publishDirectory(bus, parseDirectory(file));
    const r = await relay.relay(['reroute', '--country', 'DE', '--wait', '300ms', '--reason', 'back to eco']);
    expect(r.code).toBe(ExitCode.Incomplete);
    expect(r.out).toMatch(new RegExp(`^pending\\s+${de.id}\\s+\\S+\\s+DE/jugendschutz-net\\s+DE/eco\\s*$`, 'm'));
    expect(r.err).toContain('1 case(s) not rerouted yet');
    dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher-2'), settings: { recheckIntervalMs: 7 * 24 * 3_600_000, tickMs: 50 }, clock });
    await waitFor(async () => (await readCase(de.id))?.routing?.hotline === 'eco', { what: 'the restarted dispatcher to take the pending reroute' });
  });

  it('passes over a case closed past the retention period, of which only a tombstone is left (decision 0118)', async () => {
    expect((await archiveClosedCases(bus, { afterMs: 1, now: clock.now() + 1_000 })).tombstoned).toBe(1);
    const r = await relay.relay(['reroute', '--since', '2026-11-02T09:00:00Z', '--reason', 'after retention', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(ExitCode.Ok);
    expect(JSON.parse(r.out)).toMatchObject({ evaluated: 4, rerouted: [], pending: [], closed: [] });
  });

  it('refuses a bad country or duration with exit code 2', async () => {
    expect((await relay.relay(['reroute', '--country', 'Netherlands', '--reason', 'x'])).err).toContain('--country: "Netherlands" is not an ISO 3166-1 alpha-2 code');
    const r = await relay.relay(['reroute', '--wait', 'soon', '--reason', 'x']);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toContain('--wait: "soon" is not a duration');
  });
});
