import { parseDirectory } from '@relay/directory';
import { Audience, HostingStatus, type Notice, NoticeKind, type Referral, RoutingReason, StatusAction, type StatusUpdate } from '@relay/wire';
import { devDirectory, HOSTERS, observation, SEED_URL } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import { tombstoneOf } from './closed-cases.js';
import { type CaseState, CaseStatus, type CaseTombstone, caseIdOf, type DecisionContext, decideObservation, decideStatus, type Emit, referralIdOf, type Transition } from './index.js';

const directory = devDirectory();
const T0 = Date.parse('2026-11-02T09:15:00Z');
const ctx = (now: number, dir = directory, revision = 7): DecisionContext => ({ directory: dir, directoryRevision: revision, now, recheckIntervalMs: 60_000 });
const referrals = (t: Transition | undefined): Referral[] => (t?.emits ?? []).filter((e) => e.type === 'relay.v1.Referral').map((e) => e.message as Referral);
const notices = (t: Transition | undefined): Notice[] => (t?.emits ?? []).filter((e) => e.type === 'relay.v1.Notice').map((e) => e.message as Notice);
const subjectsOf = (t: Transition | undefined): string[] => (t?.emits ?? []).map((e: Emit) => e.subject);

function opened(): CaseState {
  const t = decideObservation(undefined, observation({ resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0));
  return t!.next;
}

describe('decideObservation', () => {
  it('opens a case for a URL on a Dutch hoster with a referral to eokm and a notice to the Dutch police', () => {
    const t = decideObservation(undefined, observation({ resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0));
    expect(t?.next).toMatchObject({ id: caseIdOf(SEED_URL), status: CaseStatus.Open, sources: ['ncmec'] });
    expect(subjectsOf(t)).toEqual(['relay.referral.NL.eokm', 'relay.notice.NL.police.police-referral']);
    const [referral] = referrals(t);
    expect(referral).toMatchObject({ hotline: 'eokm', jurisdiction: 'NL', reason: RoutingReason.ROUTING_REASON_HOSTED_IN, source: 'ncmec', sources: ['ncmec'], directoryRevision: 7n, supersedes: '' });
    // The case holds no hashes: the referral names its report, whose hashes are added when it is published.
    expect(referral?.hashes).toEqual([]);
    expect(t?.emits[0]?.hashesFrom).toEqual({ reportId: referral?.reportId, seq: 1, count: 2 });
    expect(JSON.stringify(t?.next)).not.toMatch(/"hashes":\[\{/);
    expect(t?.emits.map((e) => e.msgId)).toEqual([`dispatcher:${referral?.id}`, `dispatcher:${notices(t)[0]?.id}`]);
  });

  it('derives the same ids for the same case and event, so a redelivery publishes nothing new', () => {
    const a = decideObservation(undefined, observation({ resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0));
    const b = decideObservation(undefined, observation({ resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0 + 5));
    expect(b?.emits.map((e) => e.msgId)).toEqual(a?.emits.map((e) => e.msgId));
    expect(decideObservation(a!.next, observation({ resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0 + 5))).toBeUndefined();
  });

  it('lets a second source join the open case without a second referral', () => {
    const t = decideObservation(opened(), observation({ resolvedAt: T0 + 1_000, cause: { source: 'iwf' } }), ctx(T0 + 1_000));
    expect(t?.emits).toEqual([]);
    expect(t?.next.sources).toEqual(['ncmec', 'iwf']);
  });

  it('never moves a case back for an observation older than its latest change', () => {
    const c = opened();
    const moved = decideObservation(c, observation({ hoster: HOSTERS.DE, resolvedAt: T0 + 60_000, cause: { recheckId: 'rck_1', caseId: c.id } }), ctx(T0 + 60_000));
    const replayed = decideObservation(moved!.next, observation({ resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0 + 90_000));
    expect(replayed).toBeUndefined();
  });

  it('relocates NL -> DE: a superseding referral to eco, a police notice in DE, case-moved notices to eokm and the Dutch police', () => {
    const c = opened();
    const t = decideObservation(c, observation({ hoster: HOSTERS.DE, resolvedAt: T0 + 60_000, cause: { recheckId: 'rck_1', caseId: c.id } }), ctx(T0 + 60_000));
    expect(subjectsOf(t)).toEqual([
      'relay.referral.DE.eco',
      'relay.notice.DE.police.relocation-in',
      'relay.notice.NL.hotline.eokm.case-moved-out',
      'relay.notice.NL.police.case-moved-out',
    ]);
    const [referral] = referrals(t);
    expect(referral).toMatchObject({ reason: RoutingReason.ROUTING_REASON_RELOCATED, supersedes: c.routing?.referralId, jurisdiction: 'DE' });
    const out = notices(t).find((n) => n.audience === Audience.AUDIENCE_HOTLINE);
    expect(out).toMatchObject({ hotline: 'eokm', country: 'NL', referralId: referral?.id });
    expect(out?.hostingBefore?.country).toBe('NL');
    expect(out?.hostingAfter?.country).toBe('DE');
  });

  it('tells the same hotline when the hoster changes within the country, and drops the old hoster’s deadline', () => {
    const c = opened();
    const withDeadline = decideStatus(c, status(c, StatusAction.STATUS_ACTION_ISP, T0), ctx(T0));
    const before = withDeadline.kind === 'accept' ? withDeadline.transition!.next : c;
    const t = decideObservation(before, observation({ hoster: HOSTERS.NL2, resolvedAt: T0 + 60_000, cause: { recheckId: 'rck_1', caseId: c.id } }), ctx(T0 + 60_000));
    expect(subjectsOf(t)).toEqual(['relay.notice.NL.hotline.eokm.hoster-changed']);
    expect(notices(t)[0]).toMatchObject({ kind: NoticeKind.NOTICE_KIND_HOSTER_CHANGED, hotline: 'eokm' });
    expect(t?.next.deadline).toBeUndefined();
    expect(t?.next.asn).toBe(HOSTERS.NL2.asn);
  });

  it('holds an unresolved URL, and routes it when a recheck locates it', () => {
    const held = decideObservation(undefined, observation({ status: HostingStatus.HOSTING_STATUS_UNRESOLVED, resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0));
    expect(held?.next).toMatchObject({ status: CaseStatus.Held, holdReason: 'unresolved' });
    expect(held?.emits).toEqual([]);
    const located = decideObservation(held!.next, observation({ resolvedAt: T0 + 60_000, cause: { recheckId: 'rck_1', caseId: held!.next.id } }), ctx(T0 + 60_000));
    expect(subjectsOf(located)).toEqual(['relay.referral.NL.eokm', 'relay.notice.NL.police.police-referral']);
  });

  it('keeps a routed case where it is when its host stops resolving', () => {
    const c = opened();
    const t = decideObservation(c, observation({ status: HostingStatus.HOSTING_STATUS_UNRESOLVED, resolvedAt: T0 + 60_000, cause: { recheckId: 'rck_1', caseId: c.id } }), ctx(T0 + 60_000));
    expect(t).toBeUndefined();
  });

  it('sends a CDN-masked URL to the CDN country’s hotline with an origin request', () => {
    const t = decideObservation(undefined, observation({ status: HostingStatus.HOSTING_STATUS_MASKED, cdn: 'Cloudflare', country: 'US', resolvedAt: T0, cause: { source: 'iwf' } }), ctx(T0));
    expect(subjectsOf(t)).toEqual(['relay.referral.US.ncmec', 'relay.notice.US.hotline.ncmec.cdn-origin-request']);
    expect(referrals(t)[0]?.reason).toBe(RoutingReason.ROUTING_REASON_CDN_MASKED);
  });

  it('sends a URL hosted where no hotline exists to the fallback and tells the reporting hotline', () => {
    const t = decideObservation(undefined, observation({ hoster: HOSTERS.RU, resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0));
    expect(subjectsOf(t)).toEqual(['relay.referral.RU.interpol', 'relay.notice.US.hotline.ncmec.no-hotline']);
    expect(referrals(t)[0]?.reason).toBe(RoutingReason.ROUTING_REASON_NO_HOTLINE_FALLBACK);
  });

  it('reroutes within the country after an operator changes the directory, telling the old hotline', () => {
    const c = decideObservation(undefined, observation({ hoster: HOSTERS.DE, resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0))!.next;
    const file = structuredClone(directory.file);
    file.routing = { ...file.routing, DE: { hotline: 'fsm' } };
    const t = decideObservation(c, observation({ hoster: HOSTERS.DE, resolvedAt: T0 + 60_000, cause: { recheckId: 'rck_1', caseId: c.id } }), ctx(T0 + 60_000, parseDirectory(file), 8));
    expect(subjectsOf(t)).toEqual(['relay.referral.DE.fsm', 'relay.notice.DE.hotline.eco.case-moved-out']);
    expect(referrals(t)[0]).toMatchObject({ reason: RoutingReason.ROUTING_REASON_REROUTED, directoryRevision: 8n, supersedes: c.routing?.referralId });
  });

  it('reopens a closed case for a report received after it closed, but not for a replay of the old report', () => {
    const c = opened();
    const closedT = decideStatus(c, status(c, StatusAction.STATUS_ACTION_CR, T0 + 10_000), ctx(T0 + 10_000));
    const closed = closedT.kind === 'accept' ? closedT.transition!.next : c;
    expect(closed.status).toBe(CaseStatus.Closed);
    const replay = decideObservation(closed, observation({ resolvedAt: T0 + 20_000, cause: { source: 'ncmec', receivedAt: T0 } }), ctx(T0 + 20_000));
    expect(replay).toBeUndefined();
    const again = decideObservation(closed, observation({ resolvedAt: T0 + 30_000, cause: { source: 'ncmec', reportId: 'rpt_new', receivedAt: T0 + 30_000 } }), ctx(T0 + 30_000));
    expect(again?.next.status).toBe(CaseStatus.Open);
    expect(subjectsOf(again)).toEqual(['relay.referral.NL.eokm', 'relay.notice.NL.police.police-referral']);
    expect(referrals(again)[0]?.id).not.toBe(c.routing?.referralId);
  });

  it('does not reopen a closed case for the same report resent after the duplicate window, only for a new one', () => {
    const c = opened();
    expect(c.reports).toEqual([referrals(decideObservation(undefined, observation({ resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0)))[0]?.reportId]);
    const closedT = decideStatus(c, status(c, StatusAction.STATUS_ACTION_CR, T0 + 10_000), ctx(T0 + 10_000));
    const closed = closedT.kind === 'accept' ? closedT.transition!.next : c;
    // Resent two days later: REPORTS no longer drops it, the gateway stamps a new receivedAt, the locator looks again.
    const later = T0 + 2 * 86_400_000;
    expect(decideObservation(closed, observation({ resolvedAt: later, cause: { source: 'ncmec', receivedAt: later } }), ctx(later))).toBeUndefined();
    const fresh = decideObservation(closed, observation({ resolvedAt: later + 1, cause: { source: 'ncmec', reportId: 'rpt_second', receivedAt: later + 1 } }), ctx(later + 1));
    expect(subjectsOf(fresh)).toEqual(['relay.referral.NL.eokm', 'relay.notice.NL.police.police-referral']);
    expect(fresh?.next.reports).toEqual([...(c.reports ?? []), 'rpt_second']);
  });

  it('does not reopen a case stored before it kept report ids for its opening report resent', () => {
    const { reports: _reports, ...old } = opened();
    const closedT = decideStatus(old, status(old, StatusAction.STATUS_ACTION_CR, T0 + 10_000), ctx(T0 + 10_000));
    const closed = closedT.kind === 'accept' ? closedT.transition!.next : old;
    const later = T0 + 2 * 86_400_000;
    expect(decideObservation(closed, observation({ resolvedAt: later, cause: { source: 'ncmec', receivedAt: later } }), ctx(later))).toBeUndefined();
  });

  it('refers a reopened case that was first unresolved once it is located again, even at the old place', () => {
    const c = opened();
    const closedT = decideStatus(c, status(c, StatusAction.STATUS_ACTION_CR, T0 + 10_000), ctx(T0 + 10_000));
    const closed = closedT.kind === 'accept' ? closedT.transition!.next : c;
    const held = decideObservation(closed, observation({ status: HostingStatus.HOSTING_STATUS_UNRESOLVED, resolvedAt: T0 + 30_000, cause: { source: 'iwf', receivedAt: T0 + 30_000 } }), ctx(T0 + 30_000));
    expect(held?.next.status).toBe(CaseStatus.Held);
    expect(decideStatus(held!.next, status(c, StatusAction.STATUS_ACTION_CR, T0 + 31_000), ctx(T0 + 31_000)).kind).toBe('refuse');
    const located = decideObservation(held!.next, observation({ resolvedAt: T0 + 60_000, cause: { recheckId: 'rck_9', caseId: c.id } }), ctx(T0 + 60_000));
    expect(subjectsOf(located)).toEqual(['relay.referral.NL.eokm', 'relay.notice.NL.police.police-referral']);
    expect(referrals(located)[0]).toMatchObject({ reason: RoutingReason.ROUTING_REASON_HOSTED_IN, supersedes: '' });
  });
});

function status(c: CaseState, action: StatusAction, at: number, hotline = 'eokm'): StatusUpdate {
  return { id: `${hotline}-${action}-${at}`, hotline, referralId: c.routing?.referralId ?? '', caseId: c.id, action, occurredAt: new Date(at), note: '' };
}

describe('decideObservation on a tombstone (decision 0118)', () => {
  const DAY = 86_400_000;
  const closedAt = T0 + DAY;
  /** The tombstone of the seed case, closed at `closedAt` after its first routing. */
  const tombstone = (): CaseTombstone => {
    const c = opened();
    return tombstoneOf({ ...c, status: CaseStatus.Closed, closed: { at: closedAt, action: StatusAction.STATUS_ACTION_CR, statusId: 'cr-1' } }, closedAt + 200 * DAY);
  };
  const report = (reportId: string, at: number, receivedAt = at) => observation({ resolvedAt: at, cause: { source: 'iwf', reportId, receivedAt } });

  it('opens nothing for a replayed observation, a report the case applied, or one received before the close', () => {
    const t = tombstone();
    const later = closedAt + 300 * DAY;
    expect(decideObservation(undefined, observation({ resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(later), t)).toBeUndefined();
    expect(decideObservation(undefined, observation({ resolvedAt: later, cause: { source: 'ncmec', receivedAt: later } }), ctx(later), t)).toBeUndefined();
    expect(decideObservation(undefined, report('rpt_early', later, closedAt - 1), ctx(later), t)).toBeUndefined();
    expect(decideObservation(undefined, observation({ resolvedAt: T0, cause: { recheckId: 'rck_9', caseId: t.id } }), ctx(later), t)).toBeUndefined();
  });

  it('opens the case again for a new report, in the next epoch with the next recheck sequence', () => {
    const t = tombstone();
    const later = closedAt + 300 * DAY;
    const again = decideObservation(undefined, report('rpt_new', later), ctx(later), t);
    expect(t.tombstone.generation).toBeDefined();
    expect(referrals(again).map((r) => r.id)).toEqual([referralIdOf({ id: t.id, generation: t.tombstone.generation }, 1)]);
    expect(again?.next).toMatchObject({ status: CaseStatus.Open, firstEpoch: 1, routing: { epoch: 1 }, recheck: { seq: t.tombstone.recheckSeq } });
    expect(JSON.stringify(t)).not.toContain(SEED_URL);
  });

  it('gives a URL reported again after its tombstone left the bucket referral ids its archived case never had', () => {
    const first = opened();
    const later = closedAt + 500 * DAY;
    // No case and no tombstone any more: the new report starts a generation of its own.
    const again = decideObservation(undefined, report('rpt_years_later', later), ctx(later));
    const [referral] = referrals(again);
    expect(again?.next.routing?.epoch).toBe(0);
    expect(referral?.id).not.toBe(first.routing?.referralId);
    // Its redelivery derives the same id (hard rule 2).
    expect(referrals(decideObservation(undefined, report('rpt_years_later', later), ctx(later)))[0]?.id).toBe(referral?.id);
  });
});
