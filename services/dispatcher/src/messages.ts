import type { NoticeTarget } from '@relay/directory';
import {
  Audience,
  deriveId,
  type HostingObservation,
  messageFromJson,
  messageToJson,
  type Notice,
  NoticeKind,
  type RecheckReason,
  type Referral,
  RelayType,
  type RelayTypeName,
  RoutingReason,
  subjects,
  UNKNOWN_COUNTRY,
} from '@relay/wire';
import type { CaseFile, CaseRouting, CaseState, HashesRef, OutboxMessage } from '@relay/cases';

/** The `Relay-Origin` and msgId prefix of everything the dispatcher publishes. */
export const ORIGIN = 'dispatcher';

/** A message a decision calls for, not yet published (the case record's outbox message, @relay/cases). */
export type Emit<K extends RelayTypeName = RelayTypeName> = OutboxMessage<K>;

/** An observation stored in a case (proto3 JSON) read back. */
export function observationOf(json: unknown): HostingObservation {
  return messageFromJson(RelayType.HostingObservation, json);
}

/** An observation as stored in a case. */
export function observationJson(observation: HostingObservation): unknown {
  return messageToJson(RelayType.HostingObservation, observation);
}

/**
 * The referral for the case's current routing; `opening` is `c.opening` read
 * back, when the caller has it. The hashes are not copied into the case's
 * outbox: the emit names the report they are read from when it is published
 * (an opening observation of an older locator still carries them itself).
 */
export function referralEmit(
  c: CaseState,
  routing: CaseRouting,
  hosting: HostingObservation,
  supersedes: string,
  opening: HostingObservation = observationOf(c.opening),
): Emit<'relay.v1.Referral'> {
  const report = opening.cause?.cause?.$case === 'report' ? opening.cause.cause.value : undefined;
  const message: Referral = {
    id: routing.referralId,
    caseId: c.id,
    reportId: report?.reportId ?? '',
    source: report?.source ?? c.sources[0] ?? '',
    url: opening.url,
    hashes: report?.hashes ?? [],
    classification: report?.classification,
    hosting,
    jurisdiction: routing.jurisdiction,
    reason: routing.reason,
    hotline: routing.hotline,
    deadline: undefined,
    priority: report?.priority ?? 0,
    supersedes,
    sources: [...c.sources],
    directoryRevision: BigInt(routing.directoryRevision),
    issuedAt: new Date(routing.issuedAt),
  };
  const hashesFrom: HashesRef | undefined =
    report && report.hashes.length === 0 && report.hashCount > 0 && report.reportSeq > 0n
      ? { reportId: report.reportId, seq: Number(report.reportSeq), count: report.hashCount }
      : undefined;
  return {
    subject: subjects.referral(routing.jurisdiction, routing.hotline),
    type: RelayType.Referral,
    message,
    msgId: `${ORIGIN}:${message.id}`,
    ...(hashesFrom ? { hashesFrom } : {}),
  };
}

/** What a notice is about. */
export interface NoticeContext {
  readonly caseState: CaseState;
  readonly referralId: string;
  /** Distinguishes notices of one kind and recipient about the same referral (e.g. a status id). */
  readonly event: string;
  readonly now: number;
  readonly before?: HostingObservation;
  readonly after?: HostingObservation;
  readonly deadline?: number;
}

/** A notice to one recipient; its id is derived from referral, event, kind and recipient. */
export function noticeEmit(target: NoticeTarget, ctx: NoticeContext): Emit<'relay.v1.Notice'> {
  const hotline = target.audience === Audience.AUDIENCE_HOTLINE ? (target.hotline ?? '') : '';
  const id = deriveId('ntc', ctx.caseState.id, ctx.referralId, ctx.event, target.kind, target.audience, target.country, hotline);
  const message: Notice = {
    id,
    kind: target.kind,
    audience: target.audience,
    country: target.country,
    referralId: ctx.referralId,
    caseId: ctx.caseState.id,
    url: ctx.caseState.url,
    hostingBefore: ctx.before,
    hostingAfter: ctx.after,
    issuedAt: new Date(ctx.now),
    deadline: ctx.deadline === undefined ? undefined : new Date(ctx.deadline),
    hotline,
    summary: summaryOf(target.kind, ctx),
  };
  // A hotline notice is addressed to that one hotline, never to its whole country (decision 0091).
  const subject =
    target.audience === Audience.AUDIENCE_HOTLINE
      ? subjects.notice(target.country, target.audience, target.kind, hotline)
      : subjects.notice(target.country, target.audience, target.kind);
  return { subject, type: RelayType.Notice, message, msgId: `${ORIGIN}:${id}` };
}

/**
 * The FILE_DETAILS notice of one file to the hotline of `routing` (decision
 * 0101): its id is derived from the referral and the file's report id, so a
 * redelivery, a replay or a crash before the publish gives the same notice.
 * The hashes are read from the file's report when it is published, as a
 * referral's are (decision 0094).
 */
export function fileNoticeEmit(c: CaseState, routing: CaseRouting, file: CaseFile, now: number): Emit<'relay.v1.Notice'> {
  const target: NoticeTarget = { kind: NoticeKind.NOTICE_KIND_FILE_DETAILS, audience: Audience.AUDIENCE_HOTLINE, country: routing.hotlineCountry, hotline: routing.hotline };
  const e = noticeEmit(target, { caseState: c, referralId: routing.referralId, event: `file:${file.reportId}`, now });
  const message: Notice = { ...e.message, files: { reportId: file.reportId, hashes: [], classification: file.classification } };
  return { ...e, message, hashesFrom: { reportId: file.reportId, seq: file.seq, count: file.count } };
}

/** A recheck request for the case's `seq`-th recheck. */
export function recheckEmit(c: CaseState, seq: number, reason: RecheckReason, now: number): Emit<'relay.v1.RecheckRequest'> {
  const id = deriveId('rck', c.id, seq);
  const country = c.routing?.jurisdiction ?? UNKNOWN_COUNTRY;
  return {
    subject: subjects.recheck(country),
    type: RelayType.RecheckRequest,
    message: { id, caseId: c.id, url: c.url, reason, sequence: BigInt(seq), requestedAt: new Date(now), reportId: '', reportSeq: 0n },
    msgId: `${ORIGIN}:${id}`,
  };
}

function where(o: HostingObservation | undefined): string {
  if (!o) return 'an unknown location';
  const as = o.asn ? ` (AS${o.asn}${o.asOrganisation ? ` ${o.asOrganisation}` : ''})` : '';
  return `${o.country || 'an unknown country'}${as}${o.cdn ? ` behind ${o.cdn}` : ''}`;
}

function summaryOf(kind: NoticeKind, ctx: NoticeContext): string {
  const r = ctx.caseState.routing;
  switch (kind) {
    case NoticeKind.NOTICE_KIND_POLICE_REFERRAL:
      return `A URL hosted in ${where(ctx.after)} was referred to hotline ${r?.hotline ?? '?'}.`;
    case NoticeKind.NOTICE_KIND_RELOCATION_IN:
      return `A case moved from ${where(ctx.before)} to ${where(ctx.after)}; it was referred to hotline ${r?.hotline ?? '?'}.`;
    case NoticeKind.NOTICE_KIND_CASE_MOVED_OUT:
      return `The case left your jurisdiction: now hosted in ${where(ctx.after)}, referred to ${r?.hotline ?? '?'}.`;
    case NoticeKind.NOTICE_KIND_DEADLINE_ESCALATION:
      return `The removal deadline ${ctx.deadline === undefined ? '' : `(${new Date(ctx.deadline).toISOString()}) `}passed without the hotline reporting removal.`;
    case NoticeKind.NOTICE_KIND_NO_HOTLINE:
      return `The URL you reported is hosted in ${where(ctx.after)}, which has no routable hotline; it went to ${r?.hotline ?? 'the fallback'}.`;
    case NoticeKind.NOTICE_KIND_CDN_ORIGIN_REQUEST:
      return `The URL is behind ${ctx.after?.cdn || 'a CDN'}: ask the CDN for the origin host.`;
    case NoticeKind.NOTICE_KIND_HOSTER_CHANGED:
      return `The site moved from ${where(ctx.before)} to ${where(ctx.after)} within the same country.`;
    case NoticeKind.NOTICE_KIND_FILE_DETAILS:
      return `The reporter added a file to the report of referral ${ctx.referralId}: its hashes are in files.`;
    // Issued by the watch service (services/watch), never by the dispatcher.
    case NoticeKind.NOTICE_KIND_HOSTER_RELOCATED:
    case NoticeKind.NOTICE_KIND_UNSPECIFIED:
    case NoticeKind.UNRECOGNIZED:
      return '';
  }
}

/** The routing reason to record when a case changes jurisdiction. */
export function relocationReason(routeReason: RoutingReason): RoutingReason {
  return routeReason === RoutingReason.ROUTING_REASON_HOSTED_IN ? RoutingReason.ROUTING_REASON_RELOCATED : routeReason;
}
