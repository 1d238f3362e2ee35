import { Audience, NoticeKind, RecheckReason, StatusAction, type StatusUpdate } from '@relay/wire';
import { type CaseState, CaseStatus, DeadlineKind, nextRecheckAt, STATUS_MEMORY } from '@relay/cases';
import type { DecisionContext, Transition } from './decide-observation.js';
import { DispatcherErrorCode } from './errors.js';
import { type Emit, noticeEmit, observationOf, recheckEmit } from './messages.js';

/** The outcome of a status update: refused (to the DLQ), or a transition (or nothing). */
export type StatusDecision =
  | { readonly kind: 'refuse'; readonly code: DispatcherErrorCode; readonly message: string }
  | { readonly kind: 'accept'; readonly transition: Transition | undefined };

/** How far a status's `occurredAt` may lie ahead of now or before its referral by default, ms. */
export const DEFAULT_STATUS_CLOCK_SKEW_MS = 5 * 60_000;

/** Who sent a status: the subject's token names the sender (NATS lets each user publish only on its own). */
type Sender = 'hotline' | 'authority' | 'operator';

/**
 * The dispatcher's policy for an ICCAM status, pure. Accepted only about the
 * case's current referral, from the hotline the case is routed to, or, for an
 * authority order only, from the jurisdiction's removal authority (subject
 * `relay.status.authority-<cc>`) or an operator (`relay.status.operator-<name>`).
 * `occurredAt` must lie between the referral's issue and now, give or take
 * the clock skew allowed (then it is clamped into that range); outside it the
 * status is refused (decision 0095).
 * CR, CU and NI close the case; MO asks for a recheck at once; ISP starts the
 * country's removal deadline (if none runs); an authority order starts the
 * order deadline, once per referral (a repeated order is recorded and changes
 * nothing); RECEIVED and LEA are recorded. A status applied before (by id)
 * changes nothing.
 */
export function decideStatus(current: CaseState | undefined, u: StatusUpdate, ctx: DecisionContext): StatusDecision {
  if (!current) return refuse(DispatcherErrorCode.StatusUnknownCase, `no case ${u.caseId}`);
  const routing = current.routing;
  const sender = routing && current.status !== CaseStatus.Held ? senderOf(u.hotline, routing.hotline, routing.jurisdiction, ctx) : undefined;
  if (!routing || !sender || (sender !== 'hotline' && u.action !== StatusAction.STATUS_ACTION_AUTHORITY_ORDER)) {
    return refuse(
      DispatcherErrorCode.StatusNotRoutedHotline,
      `case ${u.caseId} is ${routing && current.status !== CaseStatus.Held ? `routed to ${routing.hotline}` : 'not routed to any hotline'}, not to ${u.hotline}`,
    );
  }
  if (u.referralId !== routing.referralId) {
    return refuse(DispatcherErrorCode.StatusWrongReferral, `case ${u.caseId} is on referral ${routing.referralId}, not ${u.referralId}`);
  }
  // Ids are the sender's own: an authority's "1" is not the hotline's "1".
  const key = sender === 'hotline' ? u.id : `${u.hotline}/${u.id}`;
  if (current.statuses.some((s) => s.id === key)) return { kind: 'accept', transition: undefined };

  const skew = ctx.statusClockSkewMs ?? DEFAULT_STATUS_CLOCK_SKEW_MS;
  const occurred = u.occurredAt?.getTime() ?? ctx.now;
  if (!Number.isFinite(occurred) || occurred > ctx.now + skew || occurred < routing.issuedAt - skew) {
    return refuse(
      DispatcherErrorCode.StatusTimeOutOfBounds,
      `status ${u.id} occurred at ${Number.isFinite(occurred) ? new Date(occurred).toISOString() : 'an invalid time'}, outside ${new Date(routing.issuedAt).toISOString()} (referral ${routing.referralId} issued) .. now, give or take ${skew / 1000} s`,
    );
  }
  if (u.action === StatusAction.STATUS_ACTION_AUTHORITY_ORDER && sender === 'hotline') {
    return refuse(
      DispatcherErrorCode.StatusNotAuthority,
      `status ${u.id}: an authority order comes from the removal authority of ${routing.jurisdiction} or an operator, not from hotline ${u.hotline}`,
    );
  }

  // Within the skew, a deadline still starts no earlier than the referral and no later than now.
  const at = Math.min(Math.max(occurred, routing.issuedAt), ctx.now);
  const statuses = [...current.statuses, { id: key, action: u.action, at }].slice(-STATUS_MEMORY);
  const recorded: CaseState = { ...current, statuses };
  const accept = (next: CaseState, emits: readonly Emit[] = []): StatusDecision => ({ kind: 'accept', transition: { next, emits } });
  if (current.status === CaseStatus.Closed) return accept(recorded);

  const policy = ctx.directory.deadlines(routing.jurisdiction);
  switch (u.action) {
    case StatusAction.STATUS_ACTION_CR:
    case StatusAction.STATUS_ACTION_CU:
    case StatusAction.STATUS_ACTION_NI:
      return accept({ ...recorded, status: CaseStatus.Closed, closed: { at: ctx.now, action: u.action, statusId: u.id } });
    case StatusAction.STATUS_ACTION_MO: {
      const seq = current.recheck.seq + 1;
      const next = { ...recorded, recheck: { seq, nextAt: nextRecheckAt(current.id, ctx.now, ctx.recheckIntervalMs) } };
      return accept(next, [recheckEmit(next, seq, RecheckReason.RECHECK_REASON_MOVED_STATUS, ctx.now)]);
    }
    case StatusAction.STATUS_ACTION_ISP:
      // The first notice to the hoster counts; a repeated one does not extend the deadline.
      if (current.deadline) return accept(recorded);
      return accept({
        ...recorded,
        deadline: deadlineOf(DeadlineKind.HosterNotice, u.id, routing.referralId, routing.jurisdiction, at, policy.afterHosterNotice),
      });
    case StatusAction.STATUS_ACTION_AUTHORITY_ORDER:
      // An order is a new legal clock, whatever ran before; but one per referral: a repeated
      // order must not restart the clock or escalate again.
      if (current.orderedOn === routing.referralId) return accept(recorded);
      return accept({
        ...recorded,
        orderedOn: routing.referralId,
        deadline: deadlineOf(DeadlineKind.AuthorityOrder, key, routing.referralId, routing.jurisdiction, at, policy.afterAuthorityOrder),
      });
    case StatusAction.STATUS_ACTION_RECEIVED:
    case StatusAction.STATUS_ACTION_LEA:
      return accept(recorded);
    case StatusAction.STATUS_ACTION_UNSPECIFIED:
    case StatusAction.UNRECOGNIZED:
      return refuse(DispatcherErrorCode.StatusInvalid, `status ${u.id} has no action`);
  }
}

/** The subject token of a removal authority's status (its generated NATS user and signing organisation). */
export function authoritySender(country: string): string {
  return `authority-${country.toLowerCase()}`;
}

function senderOf(from: string, hotline: string, jurisdiction: string, ctx: DecisionContext): Sender | undefined {
  if (from === hotline) return 'hotline';
  // Another hotline, whatever its id looks like, is never an authority or an operator.
  if (ctx.directory.hotline(from)) return undefined;
  if (from === authoritySender(jurisdiction) && ctx.directory.removalAuthority(jurisdiction)) return 'authority';
  if (from.startsWith('operator-')) {
    // With signers named, only a known operator organisation; without, the NATS permissions decide.
    const signers = ctx.directory.data.signers;
    return Object.keys(signers).length > 0 && !Object.hasOwn(signers, from) ? undefined : 'operator';
  }
  return undefined;
}

function refuse(code: DispatcherErrorCode, message: string): StatusDecision {
  return { kind: 'refuse', code, message };
}

function deadlineOf(kind: DeadlineKind, statusId: string, referralId: string, jurisdiction: string, startedAt: number, windowMs: number) {
  return { kind, statusId, referralId, jurisdiction, startedAt, dueAt: startedAt + windowMs, escalated: false };
}

/**
 * A scheduled recheck, pure: claims the case's next recheck (sequence + 1,
 * next phase time) when it is due, so that of several replicas only the one
 * whose compare-and-set wins asks the locator.
 */
export function decideRecheck(current: CaseState | undefined, ctx: DecisionContext): Transition | undefined {
  if (!current || current.status === CaseStatus.Closed || current.recheck.nextAt > ctx.now) return undefined;
  const seq = current.recheck.seq + 1;
  const next = { ...current, recheck: { seq, nextAt: nextRecheckAt(current.id, ctx.now, ctx.recheckIntervalMs) } };
  return { next, emits: [recheckEmit(next, seq, RecheckReason.RECHECK_REASON_SCHEDULED, ctx.now)] };
}

/**
 * A missed deadline, pure: once the deadline of an open case has passed,
 * marks it escalated and tells the country's removal authority (if it has
 * one) and its police.
 */
export function decideEscalation(current: CaseState | undefined, ctx: DecisionContext): Transition | undefined {
  const d = current?.deadline;
  if (!current || !d || d.escalated || current.status === CaseStatus.Closed || d.dueAt > ctx.now) return undefined;
  const next: CaseState = { ...current, deadline: { ...d, escalated: true } };
  const authority = ctx.directory.removalAuthority(d.jurisdiction);
  const audiences = authority ? [Audience.AUDIENCE_AUTHORITY, Audience.AUDIENCE_POLICE] : [Audience.AUDIENCE_POLICE];
  const after = observationOf(current.hosting);
  const emits = audiences.map((audience) =>
    noticeEmit(
      { kind: NoticeKind.NOTICE_KIND_DEADLINE_ESCALATION, audience, country: d.jurisdiction },
      { caseState: next, referralId: d.referralId, event: d.statusId, now: ctx.now, after, deadline: d.dueAt },
    ),
  );
  return { next, emits };
}
