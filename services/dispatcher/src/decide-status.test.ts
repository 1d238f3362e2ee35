import { Audience, type Notice, RecheckReason, type RecheckRequest, StatusAction, type StatusUpdate } from '@relay/wire';
import { devDirectory, observation } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import {
  type CaseState,
  CaseStatus,
  DeadlineKind,
  type DecisionContext,
  decideEscalation,
  decideObservation,
  decideRecheck,
  decideStatus,
  DispatcherErrorCode,
  type StatusDecision,
} from './index.js';

const directory = devDirectory();
const T0 = Date.parse('2026-11-02T09:15:00Z');
const HOUR = 3_600_000;
const ctx = (now: number): DecisionContext => ({ directory, directoryRevision: 1, now, recheckIntervalMs: 60_000 });
const nl = (): CaseState => decideObservation(undefined, observation({ resolvedAt: T0, cause: { source: 'ncmec' } }), ctx(T0))!.next;
const update = (c: CaseState, action: StatusAction, at: number, patch: Partial<StatusUpdate> = {}): StatusUpdate => ({
  id: `u-${action}-${at}`,
  hotline: 'eokm',
  referralId: c.routing?.referralId ?? '',
  caseId: c.id,
  action,
  occurredAt: new Date(at),
  note: '',
  ...patch,
});
const applied = (d: StatusDecision): CaseState => {
  if (d.kind !== 'accept' || !d.transition) throw new Error(`expected a change, got ${JSON.stringify(d)}`);
  return d.transition.next;
};

describe('decideStatus', () => {
  it('starts the Dutch 24 h deadline on ISP, and the 12 h order deadline on an order from the Dutch removal authority', () => {
    const c = nl();
    const isp = applied(decideStatus(c, update(c, StatusAction.STATUS_ACTION_ISP, T0 + HOUR), ctx(T0 + HOUR)));
    expect(isp.deadline).toMatchObject({ kind: DeadlineKind.HosterNotice, dueAt: T0 + 25 * HOUR, jurisdiction: 'NL', escalated: false });
    const order = applied(decideStatus(isp, update(c, StatusAction.STATUS_ACTION_AUTHORITY_ORDER, T0 + 2 * HOUR, { hotline: 'authority-nl' }), ctx(T0 + 2 * HOUR)));
    expect(order.deadline).toMatchObject({ kind: DeadlineKind.AuthorityOrder, dueAt: T0 + 14 * HOUR });
  });

  it('takes an authority order from an operator too, but never from the hotline or another country’s authority', () => {
    const c = nl();
    const order = (hotline: string) => decideStatus(c, update(c, StatusAction.STATUS_ACTION_AUTHORITY_ORDER, T0 + HOUR, { hotline }), ctx(T0 + HOUR));
    expect(applied(order('operator-alice')).deadline).toMatchObject({ kind: DeadlineKind.AuthorityOrder, dueAt: T0 + 13 * HOUR });
    expect(order('eokm')).toMatchObject({ kind: 'refuse', code: DispatcherErrorCode.StatusNotAuthority });
    expect(order('authority-de')).toMatchObject({ kind: 'refuse', code: DispatcherErrorCode.StatusNotRoutedHotline });
    // The authority and operators may only order: closing the case is the hotline's.
    expect(decideStatus(c, update(c, StatusAction.STATUS_ACTION_CR, T0, { hotline: 'authority-nl' }), ctx(T0))).toMatchObject({
      kind: 'refuse',
      code: DispatcherErrorCode.StatusNotRoutedHotline,
    });
  });

  it('applies one authority order per referral: a repeated order neither restarts the clock nor escalates again', () => {
    const c = nl();
    const first = applied(decideStatus(c, update(c, StatusAction.STATUS_ACTION_AUTHORITY_ORDER, T0 + HOUR, { hotline: 'authority-nl' }), ctx(T0 + HOUR)));
    const escalated = decideEscalation(first, ctx(T0 + 13 * HOUR));
    expect(escalated?.emits).toHaveLength(2);
    const again = decideStatus(escalated!.next, update(c, StatusAction.STATUS_ACTION_AUTHORITY_ORDER, T0 + 14 * HOUR, { hotline: 'authority-nl', id: 'order-2' }), ctx(T0 + 14 * HOUR));
    const repeated = applied(again);
    expect(repeated.deadline).toEqual(escalated!.next.deadline);
    expect(decideEscalation(repeated, ctx(T0 + 40 * HOUR))).toBeUndefined();
    const byOperator = applied(decideStatus(repeated, update(c, StatusAction.STATUS_ACTION_AUTHORITY_ORDER, T0 + 15 * HOUR, { hotline: 'operator-alice' }), ctx(T0 + 15 * HOUR)));
    expect(byOperator.deadline).toEqual(escalated!.next.deadline);
  });

  it('refuses an occurredAt before the referral or ahead of now beyond the skew, so no deadline starts in the past', () => {
    const c = nl();
    const at = (occurred: number, now: number, skew?: number) =>
      decideStatus(c, update(c, StatusAction.STATUS_ACTION_ISP, occurred), { ...ctx(now), ...(skew === undefined ? {} : { statusClockSkewMs: skew }) });
    // A deadline that would already have passed: backdated two days before the referral.
    expect(at(T0 - 48 * HOUR, T0 + HOUR)).toMatchObject({ kind: 'refuse', code: DispatcherErrorCode.StatusTimeOutOfBounds });
    expect(at(T0 - 6 * 60_000, T0 + HOUR)).toMatchObject({ kind: 'refuse', code: DispatcherErrorCode.StatusTimeOutOfBounds });
    expect(at(T0 + HOUR + 6 * 60_000, T0 + HOUR)).toMatchObject({ kind: 'refuse', code: DispatcherErrorCode.StatusTimeOutOfBounds });
    expect(at(T0 + HOUR + 1_000, T0 + HOUR, 0)).toMatchObject({ kind: 'refuse', code: DispatcherErrorCode.StatusTimeOutOfBounds });
    // Within the skew it is clamped: the deadline starts at the referral, or now.
    expect(applied(at(T0 - 60_000, T0 + HOUR)).deadline).toMatchObject({ startedAt: T0, dueAt: T0 + 24 * HOUR });
    expect(applied(at(T0 + HOUR + 60_000, T0 + HOUR)).deadline).toMatchObject({ startedAt: T0 + HOUR });
  });

  it('does not extend a running deadline on a repeated ISP', () => {
    const c = nl();
    const isp = applied(decideStatus(c, update(c, StatusAction.STATUS_ACTION_ISP, T0), ctx(T0)));
    const again = applied(decideStatus(isp, update(c, StatusAction.STATUS_ACTION_ISP, T0 + HOUR), ctx(T0 + HOUR)));
    expect(again.deadline?.dueAt).toBe(T0 + 24 * HOUR);
  });

  it.each([StatusAction.STATUS_ACTION_CR, StatusAction.STATUS_ACTION_CU, StatusAction.STATUS_ACTION_NI])('closes the case on %s', (action) => {
    const c = nl();
    expect(applied(decideStatus(c, update(c, action, T0), ctx(T0))).status).toBe(CaseStatus.Closed);
  });

  it('asks for a recheck at once on MO, and only once for a redelivered MO', () => {
    const c = nl();
    const u = update(c, StatusAction.STATUS_ACTION_MO, T0);
    const d = decideStatus(c, u, ctx(T0));
    expect(d.kind === 'accept' && d.transition?.emits.map((e) => e.subject)).toEqual(['relay.recheck.NL']);
    const request = d.kind === 'accept' ? (d.transition?.emits[0]?.message as RecheckRequest) : undefined;
    expect(request).toMatchObject({ caseId: c.id, reason: RecheckReason.RECHECK_REASON_MOVED_STATUS, sequence: 1n });
    expect(decideStatus(applied(d), u, ctx(T0 + 1))).toEqual({ kind: 'accept', transition: undefined });
  });

  it.each([
    ['another hotline', { hotline: 'iwf' }, DispatcherErrorCode.StatusNotRoutedHotline],
    ['an old referral', { referralId: 'ref_old' }, DispatcherErrorCode.StatusWrongReferral],
    ['no action', { action: StatusAction.STATUS_ACTION_UNSPECIFIED }, DispatcherErrorCode.StatusInvalid],
  ])('refuses a status from %s', (_what, patch, code) => {
    const c = nl();
    expect(decideStatus(c, update(c, StatusAction.STATUS_ACTION_CR, T0, patch), ctx(T0))).toMatchObject({ kind: 'refuse', code });
  });

  it('refuses a status for an unknown case', () => {
    const c = nl();
    expect(decideStatus(undefined, update(c, StatusAction.STATUS_ACTION_CR, T0), ctx(T0))).toMatchObject({ code: DispatcherErrorCode.StatusUnknownCase });
  });
});

describe('decideEscalation', () => {
  it('escalates a missed Dutch deadline to ATKM and the Dutch police, once', () => {
    const c = nl();
    const isp = applied(decideStatus(c, update(c, StatusAction.STATUS_ACTION_ISP, T0), ctx(T0)));
    expect(decideEscalation(isp, ctx(T0 + 24 * HOUR - 1))).toBeUndefined();
    const t = decideEscalation(isp, ctx(T0 + 24 * HOUR));
    expect(t?.emits.map((e) => e.subject)).toEqual(['relay.notice.NL.authority.deadline-escalation', 'relay.notice.NL.police.deadline-escalation']);
    expect((t?.emits[0]?.message as Notice).deadline?.getTime()).toBe(T0 + 24 * HOUR);
    expect((t?.emits[1]?.message as Notice).audience).toBe(Audience.AUDIENCE_POLICE);
    expect(decideEscalation(t!.next, ctx(T0 + 25 * HOUR))).toBeUndefined();
  });

  it('does not escalate a case closed before its deadline', () => {
    const c = nl();
    const isp = applied(decideStatus(c, update(c, StatusAction.STATUS_ACTION_ISP, T0), ctx(T0)));
    const removed = applied(decideStatus(isp, update(c, StatusAction.STATUS_ACTION_CR, T0 + HOUR), ctx(T0 + HOUR)));
    expect(decideEscalation(removed, ctx(T0 + 48 * HOUR))).toBeUndefined();
  });
});

describe('decideRecheck', () => {
  it('claims a due recheck once: the next claim waits for the case’s next phase', () => {
    const c = nl();
    expect(decideRecheck(c, ctx(c.recheck.nextAt - 1))).toBeUndefined();
    const t = decideRecheck(c, ctx(c.recheck.nextAt));
    expect(t?.next.recheck).toEqual({ seq: 1, nextAt: c.recheck.nextAt + 60_000 });
    expect(t?.emits.map((e) => e.subject)).toEqual(['relay.recheck.NL']);
    expect(decideRecheck(t!.next, ctx(c.recheck.nextAt + 1))).toBeUndefined();
  });
});
