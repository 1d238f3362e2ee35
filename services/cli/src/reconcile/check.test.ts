import { toOutboxEntry } from '@relay/cases';
import { Audience, deriveId, exampleMessage, HostingStatus, NoticeKind, RelayType } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { checkLedger, GapKind } from './check.js';
import type { AckFloors, CaseView, DlqEntry, Ledger, NoticeEntry, ObservationEntry, RecheckedEntry, ReferralEntry, ReportEntry } from './ledger.js';

const T0 = new Date('2026-11-01T12:00:00Z');
let seq = 0;

function report(sourceReportId: string, urls: string[]): ReportEntry {
  return { seq: ++seq, time: T0, id: deriveId('rpt', 'ncmec', sourceReportId), source: 'ncmec', sourceReportId, urls, msgId: `ncmec:${sourceReportId}` };
}

function observation(r: ReportEntry, normalizedUrl: string, status = HostingStatus.HOSTING_STATUS_LOCATED): ObservationEntry {
  return { seq: ++seq, id: deriveId('obs', normalizedUrl, r.id), reportId: r.id, url: normalizedUrl, normalizedUrl, status };
}

function referral(caseId: string, epoch: number, jurisdiction: string, hotline: string, supersedes = '', hostingId = `obs-${epoch}`): ReferralEntry {
  return { seq: ++seq, time: T0, id: deriveId('ref', caseId, epoch), caseId, supersedes, jurisdiction, hotline, hostingId };
}

function notice(ref: ReferralEntry, kind: NoticeKind, audience: Audience, country: string, hotline = ''): NoticeEntry {
  const id = deriveId('ntc', ref.caseId, ref.id, 'route', kind, audience, country, hotline);
  return { seq: ++seq, time: T0, id, caseId: ref.caseId, referralId: ref.id, kind, audience, country, hotline, hostingAfterId: ref.hostingId, deadline: undefined };
}

function routedCase(url: string, ref: ReferralEntry, policeTold = true): CaseView {
  return { id: deriveId('case', url), status: 'open', routing: {
      epoch: 0,
      referralId: ref.id,
      jurisdiction: ref.jurisdiction,
      hotline: ref.hotline,
      hotlineCountry: ref.jurisdiction,
      reason: 1,
      fallback: false,
      policeTold,
      directoryRevision: 1,
      issuedAt: T0.getTime(),
    },
    outbox: [],
  };
}

interface Parts {
  reports?: ReportEntry[];
  observations?: ObservationEntry[];
  referrals?: ReferralEntry[];
  notices?: NoticeEntry[];
  dlq?: DlqEntry[];
  cases?: CaseView[];
  since?: Date;
  messagesSince?: Date;
  floors?: AckFloors;
  rechecked?: RecheckedEntry[];
}

function ledger(p: Parts): Ledger {
  const byReport = new Map<string, ObservationEntry[]>();
  for (const o of p.observations ?? []) byReport.set(o.reportId ?? '', [...(byReport.get(o.reportId ?? '') ?? []), o]);
  return {
    reports: p.reports ?? [],
    observationsByReport: byReport,
    rechecked: new Map((p.rechecked ?? []).map((r) => [r.caseId, r])),
    referrals: p.referrals ?? [],
    notices: p.notices ?? [],
    dlq: p.dlq ?? [],
    cases: new Map((p.cases ?? []).map((c) => [c.id, c])),
    caseErrors: new Map(),
    undecodable: [],
    since: p.since,
    messagesSince: p.messagesSince,
    readTo: { referrals: 0, notices: 0 },
    floors: p.floors ?? {},
  };
}

const NL_URL = 'http://images.example.nl/gallery/1';
const NL_CASE = deriveId('case', NL_URL);

/** One report of a Dutch-hosted URL, routed to eokm with a police notice: the healthy shape. */
function healthyNl(): Required<Pick<Parts, 'reports' | 'observations' | 'referrals' | 'notices' | 'cases'>> {
  const r = report('1001', ['http://Images.Example.NL/gallery/1', 'http://images.example.nl/gallery/1#top']);
  const ref = referral(NL_CASE, 0, 'NL', 'eokm');
  return {
    reports: [r],
    observations: [observation(r, NL_URL)],
    referrals: [ref],
    notices: [notice(ref, NoticeKind.NOTICE_KIND_POLICE_REFERRAL, Audience.AUDIENCE_POLICE, 'NL')],
    cases: [routedCase(NL_URL, ref)],
  };
}

describe('reconciliation of reports', () => {
  it('accounts for a routed report once per distinct URL, with nothing lost or duplicated', () => {
    const r = checkLedger(ledger(healthyNl()));
    expect(r).toMatchObject({ reports: 1, urls: 1, accounted: { routed: 1, held: 0, unresolved: 0, dlq: 0, pending: 0 }, referrals: 1, notices: 1, lost: 0, duplicated: 0 });
    expect(r.gaps).toEqual([]);
  });

  it('counts as in flight, not lost, what the pipeline\'s consumers have not acknowledged yet (decision 0155)', () => {
    const h = healthyNl();
    const [r] = h.reports;
    const [o] = h.observations;
    if (r === undefined || o === undefined) throw new Error('healthyNl has a report and an observation');
    // The locator's floor is below the report: no observation yet is the locator's backlog.
    const notYetObserved = checkLedger(ledger({ ...h, observations: [], floors: { reports: r.seq - 1, hosting: o.seq } }));
    expect(notYetObserved).toMatchObject({ lost: 0, gaps: [], accounted: { pending: 1, routed: 0 } });
    // The dispatcher's floor is below the observation: no case yet is the dispatcher's backlog.
    const notYetDecided = checkLedger(ledger({ ...h, cases: [], referrals: [], notices: [], floors: { reports: r.seq, hosting: o.seq - 1 } }));
    expect(notYetDecided).toMatchObject({ lost: 0, gaps: [], accounted: { pending: 1 } });
    // Acknowledged and missing: lost, whichever consumer took it.
    expect(checkLedger(ledger({ ...h, observations: [], floors: { reports: r.seq } })).gaps.map((g) => g.missing)).toEqual([GapKind.Observation]);
    expect(checkLedger(ledger({ ...h, cases: [], floors: { reports: r.seq, hosting: o.seq } })).gaps.map((g) => g.missing)).toEqual([GapKind.Case]);
    expect(checkLedger(ledger({ ...h, referrals: [], floors: { reports: r.seq, hosting: o.seq } })).gaps.map((g) => g.missing)).toEqual([GapKind.Referral]);
  });

  it('with REFERRALS and NOTICES read from a time (--follow), checks the decisions issued since then and takes older ones as checked', () => {
    const h = healthyNl();
    const issued = new Date(T0.getTime()); // routedCase issues at T0
    // The referral and notice were stored before what was read: not there, and not a gap.
    const old = checkLedger(ledger({ ...h, referrals: [], notices: [], messagesSince: new Date(issued.getTime() + 1) }));
    expect(old).toMatchObject({ lost: 0, gaps: [], accounted: { routed: 1 } });
    // Decided within what was read: a missing referral is a gap as always.
    const recent = checkLedger(ledger({ ...h, referrals: [], notices: [], messagesSince: new Date(issued.getTime() - 1) }));
    expect(recent.gaps.map((g) => g.missing)).toEqual([GapKind.Referral]);
  });

  it('names the report, URL and missing piece when a step of the pipeline did not happen', () => {
    const h = healthyNl();
    const noObservation = checkLedger(ledger({ ...h, observations: [] }));
    expect(noObservation.gaps).toEqual([expect.objectContaining({ reportId: h.reports[0]?.id, sourceReportId: '1001', url: NL_URL, missing: GapKind.Observation })]);
    expect(noObservation.lost).toBe(1);
    expect(checkLedger(ledger({ ...h, cases: [] })).gaps.map((g) => [g.missing, g.caseId])).toEqual([[GapKind.Case, NL_CASE]]);
    expect(checkLedger(ledger({ ...h, referrals: [] })).gaps.map((g) => g.missing)).toEqual([GapKind.Referral]);
    expect(checkLedger(ledger({ ...h, notices: [] })).gaps.map((g) => g.missing)).toEqual([GapKind.PoliceNotice]);
  });

  it('needs a relocation-in notice and a case-moved notice for a relocated case', () => {
    const h = healthyNl();
    const old = h.referrals[0] as ReferralEntry;
    const moved = referral(NL_CASE, 1, 'DE', 'eco', old.id);
    const relocationIn = notice(moved, NoticeKind.NOTICE_KIND_RELOCATION_IN, Audience.AUDIENCE_POLICE, 'DE');
    const movedOut = notice(moved, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, Audience.AUDIENCE_HOTLINE, 'NL', 'eokm');
    const base = { ...h, referrals: [old, moved], cases: [routedCase(NL_URL, moved)] };
    expect(checkLedger(ledger({ ...base, notices: [...h.notices, relocationIn, movedOut] })).gaps).toEqual([]);
    expect(checkLedger(ledger({ ...base, notices: [...h.notices, movedOut] })).gaps.map((g) => g.missing)).toEqual([GapKind.PoliceNotice]);
    expect(checkLedger(ledger({ ...base, notices: [...h.notices, relocationIn] })).gaps.map((g) => g.missing)).toEqual([GapKind.MovedOutNotice]);
    const toAnotherHotline = notice(moved, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, Audience.AUDIENCE_HOTLINE, 'NL', 'someone-else');
    expect(checkLedger(ledger({ ...base, notices: [...h.notices, relocationIn, toAnotherHotline] })).gaps.map((g) => g.missing)).toEqual([GapKind.MovedOutNotice]);
  });

  it('accepts a reroute within the country, whose police were told by the earlier referral', () => {
    const h = healthyNl();
    const old = h.referrals[0] as ReferralEntry;
    const rerouted = referral(NL_CASE, 1, 'NL', 'eokm-new', old.id);
    const movedOut = notice(rerouted, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, Audience.AUDIENCE_HOTLINE, 'NL', 'eokm');
    const r = checkLedger(ledger({ ...h, referrals: [old, rerouted], notices: [...h.notices, movedOut], cases: [routedCase(NL_URL, rerouted)] }));
    expect(r.gaps).toEqual([]);
  });

  it('accounts for held cases, UNRESOLVED observations and DLQ entries', () => {
    const held = report('2001', ['http://intranet.example.com/x']);
    const unresolved = report('2002', ['http://gone.example.com/x']);
    const poison = report('2003', ['http://images.example.nl/p']);
    const poisonObs = report('2004', ['http://images.example.nl/q']);
    const q = observation(poisonObs, 'http://images.example.nl/q');
    const r = checkLedger(
      ledger({
        reports: [held, unresolved, poison, poisonObs],
        observations: [observation(held, 'http://intranet.example.com/x'), observation(unresolved, 'http://gone.example.com/x', HostingStatus.HOSTING_STATUS_UNRESOLVED), q],
        cases: [{ id: deriveId('case', 'http://intranet.example.com/x'), status: 'held', holdReason: 'unroutable', outbox: [] }],
        dlq: [
          { seq: 1, source: `REPORTS:${poison.seq}`, msgId: poison.msgId, error: 'report-invalid: x' },
          { seq: 2, source: `HOSTING:${q.seq}`, msgId: `locator:${q.id}`, error: 'x' },
        ],
      }),
    );
    expect(r.accounted).toEqual({ routed: 0, held: 1, unresolved: 1, dlq: 2, pending: 0 });
    expect(r.gaps).toEqual([]);
  });

  it('reports messages written with a case but never published, and accepts published ones not yet cleared', () => {
    const h = healthyNl();
    const ref = h.referrals[0] as ReferralEntry;
    const withOutbox = (ids: string[]): CaseView => ({ ...routedCase(NL_URL, ref), outbox: ids.map((id) => ({ msgId: `dispatcher:${id}`, subject: 'relay.referral.NL.eokm', type: 'relay.v1.Referral', data: '' })) });
    expect(checkLedger(ledger({ ...h, cases: [withOutbox([ref.id])] })).gaps).toEqual([]);
    expect(checkLedger(ledger({ ...h, cases: [withOutbox([ref.id, 'ntc_missing'])] })).gaps.map((g) => g.missing)).toEqual([GapKind.Outbox]);
    // A recheck request left in the outbox (RECHECKS is not read) is no gap: it goes out with the next claim.
    const rck = { msgId: 'dispatcher:rck_1', subject: 'relay.recheck.NL', type: 'relay.v1.RecheckRequest', data: '' };
    expect(checkLedger(ledger({ ...h, cases: [{ ...withOutbox([ref.id]), outbox: [...withOutbox([ref.id]).outbox, rck] }] })).gaps).toEqual([]);
  });

  it('with REFERRALS and NOTICES read from a time (--follow), takes an unpublished outbox entry issued before it as checked by an earlier round', () => {
    const h = healthyNl();
    const ref = h.referrals[0] as ReferralEntry;
    const entry = (issuedAt: Date, type: typeof RelayType.Referral | typeof RelayType.Notice): CaseView['outbox'][number] => {
      const message = { ...exampleMessage(type), id: `${type}_${issuedAt.getTime()}`, issuedAt };
      return toOutboxEntry({ subject: 'relay.x', type, message, msgId: `dispatcher:${message.id}` }, undefined);
    };
    const withEntry = (e: CaseView['outbox'][number]): CaseView => ({ ...routedCase(NL_URL, ref), outbox: [e] });
    // The case was decided after the read began (so it is judged); its outbox holds one more message, not in the streams read.
    const messagesSince = new Date(T0.getTime() - 1);
    const missing = (e: CaseView['outbox'][number]): string[] => checkLedger(ledger({ ...h, cases: [withEntry(e)], messagesSince })).gaps.map((g) => g.missing);
    for (const type of [RelayType.Referral, RelayType.Notice]) {
      // Issued before what was read: published then or not, an earlier round read that part of the stream.
      expect(missing(entry(new Date(messagesSince.getTime() - 1), type))).toEqual([]);
      // Issued since: it should be in what was read, so it is lost.
      expect(missing(entry(messagesSince, type))).toEqual([GapKind.Outbox]);
    }
    // No time to go by (it does not decode as its type): a gap, as when the whole stream is read.
    expect(missing({ msgId: 'dispatcher:ntc_x', subject: 'relay.x', type: RelayType.Notice, data: Buffer.from([0x0a, 0xff]).toString('base64') })).toEqual([GapKind.Outbox]);
    // The whole streams read: an old entry not in them is lost, however old.
    expect(checkLedger(ledger({ ...h, cases: [withEntry(entry(new Date(0), RelayType.Referral))] })).gaps.map((g) => g.missing)).toEqual([GapKind.Outbox]);
  });

  it('judges a case rechecked in scope that no report in scope names: a relocation is checked like a report (decision 0161)', () => {
    const ref0 = referral(NL_CASE, 0, 'NL', 'eokm');
    const ref1 = referral(NL_CASE, 1, 'DE', 'eco', ref0.id);
    const moved = { ...routedCase(NL_URL, ref1), routing: { ...routedCase(NL_URL, ref1).routing!, epoch: 1 } };
    const relocated = {
      referrals: [ref0, ref1],
      notices: [
        notice(ref0, NoticeKind.NOTICE_KIND_POLICE_REFERRAL, Audience.AUDIENCE_POLICE, 'NL'),
        notice(ref1, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, Audience.AUDIENCE_HOTLINE, 'NL', 'eokm'),
        notice(ref1, NoticeKind.NOTICE_KIND_RELOCATION_IN, Audience.AUDIENCE_POLICE, 'DE'),
      ],
      cases: [moved],
      rechecked: [{ seq: 50, caseId: NL_CASE, normalizedUrl: NL_URL }],
    };
    expect(checkLedger(ledger(relocated))).toMatchObject({ reports: 0, rechecked: { cases: 1, pending: 0 }, lost: 0, gaps: [] });
    // The new country's referral is not in REFERRALS: the case is lost, named by its case and URL.
    const noReferral = checkLedger(ledger({ ...relocated, referrals: [ref0] }));
    expect(noReferral.gaps).toEqual([expect.objectContaining({ reportId: '', url: NL_URL, caseId: NL_CASE, missing: GapKind.Referral })]);
    expect(noReferral.lost).toBe(1);
    // The old hotline was not told the case moved.
    expect(checkLedger(ledger({ ...relocated, notices: relocated.notices.filter((n) => n.kind !== NoticeKind.NOTICE_KIND_CASE_MOVED_OUT) })).gaps.map((g) => g.missing)).toEqual([GapKind.MovedOutNotice]);
    // The dispatcher has not acknowledged the recheck's answer yet: in flight, not lost.
    expect(checkLedger(ledger({ ...relocated, referrals: [ref0], floors: { hosting: 49 } }))).toMatchObject({ rechecked: { cases: 1, pending: 1 }, lost: 0, gaps: [] });
    // The answer is in the DLQ, or the case is gone (its tombstone reads as none): nothing to judge.
    expect(checkLedger(ledger({ ...relocated, referrals: [ref0], dlq: [{ seq: 1, source: 'HOSTING:50', msgId: '', error: 'x' }] }))).toMatchObject({ rechecked: { cases: 0 }, lost: 0 });
    expect(checkLedger(ledger({ ...relocated, cases: [] }))).toMatchObject({ rechecked: { cases: 0 }, lost: 0 });
    // Named by a report in scope too: judged once, with the report.
    const h = healthyNl();
    const withReport = checkLedger(ledger({ ...relocated, reports: h.reports, observations: h.observations, referrals: [ref0] }));
    expect(withReport).toMatchObject({ rechecked: { cases: 0 }, lost: 1 });
    expect(withReport.gaps.map((g) => [g.reportId, g.missing])).toEqual([[h.reports[0]?.id, GapKind.Referral]]);
  });

  it('counts a receipt whose report is not in REPORTS as lost', () => {
    const h = healthyNl();
    const r = checkLedger(ledger(h), [h.reports[0]?.id ?? '', 'rpt_gone']);
    expect(r.gaps.map((g) => [g.reportId, g.missing])).toEqual([['rpt_gone', GapKind.Report]]);
    expect(r.lost).toBe(1);
  });
});

describe('duplicate referrals and notices', () => {
  it('counts one id stored twice and one decision issued under two ids', () => {
    const h = healthyNl();
    const ref = h.referrals[0] as ReferralEntry;
    const again = { ...ref, seq: ++seq };
    const sameEvent = { ...ref, seq: ++seq, id: deriveId('ref', NL_CASE, 7) };
    const policeAgain = { ...(h.notices[0] as NoticeEntry), seq: ++seq };
    const r = checkLedger(ledger({ ...h, referrals: [ref, again, sameEvent], notices: [...h.notices, policeAgain] }));
    expect(r.duplicates.map((d) => [d.stream, d.rule, d.extra])).toEqual([
      ['REFERRALS', 'same-id', 1],
      ['REFERRALS', 'same-event', 1],
      ['NOTICES', 'same-id', 1],
    ]);
    expect(r.duplicated).toBe(3);
  });

  it('does not count notices about different events of one referral', () => {
    const h = healthyNl();
    const ref = h.referrals[0] as ReferralEntry;
    const hoster = (obs: string): NoticeEntry => ({ ...notice(ref, NoticeKind.NOTICE_KIND_HOSTER_CHANGED, Audience.AUDIENCE_HOTLINE, 'NL', 'eokm'), id: `ntc_${obs}`, hostingAfterId: obs });
    expect(checkLedger(ledger({ ...h, notices: [...h.notices, hoster('obs_a'), hoster('obs_b')] })).duplicates).toEqual([]);
  });

  it('leaves duplicates stored before --since out', () => {
    const h = healthyNl();
    const ref = h.referrals[0] as ReferralEntry;
    const r = checkLedger(ledger({ ...h, referrals: [ref, { ...ref, seq: ++seq }], since: new Date(T0.getTime() + 1) }));
    expect(r.duplicates).toEqual([]);
  });
});
