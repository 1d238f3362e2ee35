import { Audience, CsamCategory, type HostingObservation, HostingStatus, type Notice, NoticeKind, StatusAction } from '@relay/wire';
import { devDirectory, HOSTERS, observation } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import { type CaseState, CaseStatus, type DecisionContext, decideObservation, decideStatus, type Transition } from './index.js';

/** The files of a CyberTipline fileDetails reaching a case (decision 0101). */

const directory = devDirectory();
const T0 = Date.parse('2026-11-02T09:15:00Z');
const ctx = (now: number): DecisionContext => ({ directory, directoryRevision: 7, now, recheckIntervalMs: 60_000 });
const subjectsOf = (t: Transition | undefined): string[] => (t?.emits ?? []).map((e) => e.subject);
const notices = (t: Transition | undefined): Notice[] => (t?.emits ?? []).filter((e) => e.type === 'relay.v1.Notice').map((e) => e.message as Notice);

const PARENT = 'rpt_parent0000000000000000000000';

/** The observation of a file report: the parent's URL, the file's hashes on REPORTS at `seq`. */
function fileObservation(reportId: string, seq: number, resolvedAt: number, status: HostingStatus = HostingStatus.HOSTING_STATUS_LOCATED): HostingObservation {
  const o = observation({ status, resolvedAt, cause: { source: 'ncmec', reportId } });
  const cause = o.cause?.cause;
  if (cause?.$case !== 'report') throw new Error('not a report observation');
  const value = { ...cause.value, supplements: PARENT, reportSeq: BigInt(seq), hashCount: 2, hashes: [], classification: { legal: 0, category: CsamCategory.CSAM_CATEGORY_A1, siteType: 0, ageGroup: 2 } };
  return { ...o, cause: { cause: { $case: 'report', value } } };
}

function routed(): CaseState {
  return decideObservation(undefined, observation({ resolvedAt: T0, cause: { source: 'ncmec', reportId: PARENT } }), ctx(T0))!.next;
}

describe('a file added to a report after its referral', () => {
  it('reaches the hotline that has the case as a FILE_DETAILS notice naming the file report, and no one else', () => {
    const c = routed();
    const t = decideObservation(c, fileObservation('rpt_file1', 5, T0 + 1_000), ctx(T0 + 1_000));
    expect(subjectsOf(t)).toEqual(['relay.notice.NL.hotline.eokm.file-details']);
    const [n] = notices(t);
    expect(n).toMatchObject({ kind: NoticeKind.NOTICE_KIND_FILE_DETAILS, audience: Audience.AUDIENCE_HOTLINE, hotline: 'eokm', referralId: c.routing?.referralId, caseId: c.id });
    expect(n?.files).toMatchObject({ reportId: 'rpt_file1', classification: { category: CsamCategory.CSAM_CATEGORY_A1 } });
    // The hashes are read from the file's report on publishing: the case keeps a reference only.
    expect(t?.emits[0]?.hashesFrom).toEqual({ reportId: 'rpt_file1', seq: 5, count: 2 });
    expect(t?.next.files).toEqual([expect.objectContaining({ reportId: 'rpt_file1', seq: 5, count: 2 })]);
    expect(t?.next.routing).toEqual(c.routing);
  });

  it('gives nothing new for a redelivered or replayed file, and the same notice id when decided again', () => {
    const c = routed();
    const once = decideObservation(c, fileObservation('rpt_file1', 5, T0 + 1_000), ctx(T0 + 1_000));
    const again = decideObservation(c, fileObservation('rpt_file1', 5, T0 + 1_000), ctx(T0 + 9_000));
    expect(again?.emits.map((e) => e.msgId)).toEqual(once?.emits.map((e) => e.msgId));
    expect(decideObservation(once!.next, fileObservation('rpt_file1', 5, T0 + 1_000), ctx(T0 + 2_000))?.emits ?? []).toEqual([]);
    expect(decideObservation(once!.next, fileObservation('rpt_file1', 5, T0 + 3_000), ctx(T0 + 3_000))?.emits ?? []).toEqual([]);
  });

  it('after a relocation goes to the new hotline with the superseding referral, never again to the old one', () => {
    const c = decideObservation(routed(), fileObservation('rpt_file1', 5, T0 + 1_000), ctx(T0 + 1_000))!.next;
    const t = decideObservation(c, observation({ hoster: HOSTERS.DE, resolvedAt: T0 + 60_000, cause: { recheckId: 'rck_1', caseId: c.id } }), ctx(T0 + 60_000));
    expect(subjectsOf(t)).toEqual([
      'relay.referral.DE.eco',
      'relay.notice.DE.police.relocation-in',
      'relay.notice.DE.hotline.eco.file-details',
      'relay.notice.NL.hotline.eokm.case-moved-out',
      'relay.notice.NL.police.case-moved-out',
    ]);
    const file = notices(t).find((n) => n.kind === NoticeKind.NOTICE_KIND_FILE_DETAILS);
    expect(file).toMatchObject({ hotline: 'eco', referralId: t?.next.routing?.referralId, files: { reportId: 'rpt_file1' } });
  });

  it('waits in a held case and goes out with its first referral', () => {
    const held = decideObservation(undefined, observation({ status: HostingStatus.HOSTING_STATUS_UNRESOLVED, resolvedAt: T0, cause: { source: 'ncmec', reportId: PARENT } }), ctx(T0))!.next;
    expect(held.status).toBe(CaseStatus.Held);
    // The file's own observation does not resolve the host either.
    const withFile = decideObservation(held, fileObservation('rpt_file1', 5, T0 + 1_000, HostingStatus.HOSTING_STATUS_UNRESOLVED), ctx(T0 + 1_000));
    expect(withFile?.next.files).toHaveLength(1);
    expect(withFile?.emits.filter((e) => e.type === 'relay.v1.Notice' && (e.message as Notice).kind === NoticeKind.NOTICE_KIND_FILE_DETAILS) ?? []).toEqual([]);
    const t = decideObservation(withFile!.next, observation({ resolvedAt: T0 + 60_000, cause: { recheckId: 'rck_1', caseId: held.id } }), ctx(T0 + 60_000));
    expect(subjectsOf(t)).toEqual(['relay.referral.NL.eokm', 'relay.notice.NL.police.police-referral', 'relay.notice.NL.hotline.eokm.file-details']);
  });

  it('neither reopens a closed case nor tells anyone', () => {
    const c = routed();
    const closedDecision = decideStatus(c, { id: 'st_1', referralId: c.routing!.referralId, caseId: c.id, hotline: 'eokm', action: StatusAction.STATUS_ACTION_CR, occurredAt: new Date(T0 + 500), note: '' }, ctx(T0 + 500));
    const closed = closedDecision.kind === 'accept' ? closedDecision.transition!.next : c;
    expect(closed.status).toBe(CaseStatus.Closed);
    const t = decideObservation(closed, fileObservation('rpt_file1', 5, T0 + 1_000), ctx(T0 + 1_000));
    expect(t?.emits ?? []).toEqual([]);
    expect(t?.next.status).toBe(CaseStatus.Closed);
  });

  it('opens the case itself when its observation comes first; the referral then carries its hashes, with no separate notice', () => {
    const t = decideObservation(undefined, fileObservation('rpt_file1', 5, T0), ctx(T0));
    expect(subjectsOf(t)).toEqual(['relay.referral.NL.eokm', 'relay.notice.NL.police.police-referral']);
    expect(t?.emits[0]?.hashesFrom).toEqual({ reportId: 'rpt_file1', seq: 5, count: 2 });
    const parent = decideObservation(t!.next, observation({ resolvedAt: T0 + 1_000, cause: { source: 'ncmec', reportId: PARENT } }), ctx(T0 + 1_000));
    expect(parent?.emits ?? []).toEqual([]);
  });
});
