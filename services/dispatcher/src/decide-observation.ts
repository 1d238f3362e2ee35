import { type Directory, type NoticeTarget, type Route, routeObservation } from '@relay/directory';
import { Audience, type HostingObservation, HostingStatus, NoticeKind, type ReportSummary, RoutingReason } from '@relay/wire';
import { type CaseFile, type CaseRouting, type CaseState, CaseStatus, type CaseTombstone, caseIdOf, FILE_MEMORY, nextRecheckAt, referralIdOf, REPORT_MEMORY } from '@relay/cases';
import { type Emit, fileNoticeEmit, noticeEmit, observationJson, observationOf, referralEmit, relocationReason } from './messages.js';

/** What a decision needs besides the case and the message. */
export interface DecisionContext {
  readonly directory: Directory;
  readonly directoryRevision: number;
  /** The injected clock's now, ms. */
  readonly now: number;
  readonly recheckIntervalMs: number;
  /** How far a status's `occurredAt` may lie ahead of now, or before its referral, ms (clock skew). Default 5 min. */
  readonly statusClockSkewMs?: number;
}

/** A state change and the messages it calls for; undefined means "nothing to do". */
export interface Transition {
  readonly next: CaseState;
  readonly emits: readonly Emit[];
}

export { caseIdOf } from '@relay/cases';

/**
 * The dispatcher's policy for one observation, pure: opens a case, joins a
 * second source, routes a held case, relocates, reroutes after a directory
 * change, notes a hoster change, reopens a closed case on a report it has
 * not applied before (by relay report id), or does nothing. An observation
 * resolved no later than the case's latest change never moves the case
 * (replays and late redeliveries yield nothing). Where the case is only a
 * tombstone (closed past the retention period, decision 0118), it opens again
 * as a closed case would reopen, with the next epoch's referral ids.
 */
export function decideObservation(current: CaseState | undefined, o: HostingObservation, ctx: DecisionContext, tombstone?: CaseTombstone): Transition | undefined {
  const t = decide(current, o, ctx, tombstone);
  const cause = o.cause?.cause;
  const report = cause?.$case === 'report' ? cause.value : undefined;
  if (!current || !t || !report?.supplements) return t;
  // A file new to a case routed before and after this observation goes to its hotline now; a routing
  // made by this observation (first referral, relocation, reopening) sent every file itself (route()).
  const file = t.next.files?.find((f) => f.reportId === report.reportId);
  const known = current.files?.some((f) => f.reportId === report.reportId) ?? false;
  const routing = t.next.routing;
  if (!file || known || t.next.status !== CaseStatus.Open || !routing || routing.referralId !== current.routing?.referralId || current.status !== CaseStatus.Open) return t;
  return { next: t.next, emits: [...t.emits, fileNoticeEmit(t.next, routing, file, ctx.now)] };
}

/** A file the observation's report adds to its case (a fileDetails report with hashes). */
function fileOf(report: ReportSummary): CaseFile | undefined {
  if (!report.supplements || report.reportSeq <= 0n) return undefined;
  const c = report.classification;
  return {
    reportId: report.reportId,
    seq: Number(report.reportSeq),
    count: report.hashCount,
    ...(c ? { classification: { legal: c.legal, category: c.category, siteType: c.siteType, ageGroup: c.ageGroup } } : {}),
  };
}

function decide(current: CaseState | undefined, o: HostingObservation, ctx: DecisionContext, tombstone: CaseTombstone | undefined): Transition | undefined {
  const cause = o.cause?.cause;
  const report = cause?.$case === 'report' ? cause.value : undefined;
  const resolvedAt = o.resolvedAt?.getTime() ?? 0;

  if (!current) {
    // A recheck answer for a case that does not exist: nothing to route.
    if (!report) return undefined;
    // The same rules as for reopening a closed case: a replay or redelivery of what the archived case saw opens nothing.
    if (tombstone && (resolvedAt <= tombstone.resolvedAt || !reopens(report, tombstone.reports, tombstone.tombstone.closedAt))) return undefined;
    const id = caseIdOf(o.normalizedUrl);
    const json = observationJson(o);
    const opened: CaseState = {
      v: 1,
      id,
      url: o.normalizedUrl,
      status: CaseStatus.Held,
      openedAt: ctx.now,
      sources: [report.source],
      reports: [report.reportId],
      opening: json,
      hosting: json,
      resolvedAt,
      asn: o.asn,
      recheck: { seq: tombstone?.tombstone.recheckSeq ?? 0, nextAt: nextRecheckAt(id, ctx.now, ctx.recheckIntervalMs) },
      statuses: [],
      outbox: [],
      // A later life of the URL goes on from its tombstone; a first one starts a generation of its own (decision 0118).
      ...(tombstone ? { firstEpoch: tombstone.tombstone.nextEpoch } : {}),
      ...generationOf(tombstone, report.reportId || o.id),
    };
    return route(opened, o, ctx, true, { json, opening: o }) ?? { next: opened, emits: [] };
  }

  let next = current;
  if (report && !current.sources.includes(report.source)) next = { ...next, sources: [...next.sources, report.source] };
  const applied = appliedReports(current);
  const newReport = report !== undefined && report.reportId !== '' && !applied.includes(report.reportId);
  if (newReport) next = { ...next, reports: [...applied, report.reportId].slice(-REPORT_MEMORY) };
  // A file of the case's report (decision 0101): kept by reference; it neither opens nor reopens anything.
  const file = report ? fileOf(report) : undefined;
  if (file && !(current.files ?? []).some((f) => f.reportId === file.reportId)) next = { ...next, files: [...(current.files ?? []), file].slice(-FILE_MEMORY) };
  const joined = next !== current ? { next, emits: [] } : undefined;

  if (resolvedAt <= current.resolvedAt) return joined;
  if (current.status === CaseStatus.Closed) {
    // Only a new report received after the case closed reopens it (the content may be back);
    // the same report resent after the duplicate window is one the case has applied (decision 0095).
    if (!report || !newReport || !current.closed || !reopens(report, applied, current.closed.at)) return joined;
    const { closed: _closed, deadline: _deadline, ...rest } = next;
    return route({ ...rest, status: CaseStatus.Held }, o, ctx, true) ?? joined;
  }
  return route(next, o, ctx, false) ?? joined;
}

/** The generation a new case takes: its tombstone's (a case stored before generations has none), else its opening report's id. */
function generationOf(tombstone: CaseTombstone | undefined, opening: string): { generation?: string } {
  if (!tombstone) return { generation: opening };
  const kept = tombstone.tombstone.generation;
  return kept === undefined ? {} : { generation: kept };
}

/** A report opens a closed case again when it is new to it, received after the close, and not a file of it (decision 0095). */
function reopens(report: ReportSummary, applied: readonly string[], closedAt: number): boolean {
  const receivedAt = report.receivedAt?.getTime() ?? 0;
  return report.reportId !== '' && !applied.includes(report.reportId) && !fileOf(report) && receivedAt > closedAt;
}

/** The report ids a case has applied; a case stored before they were kept knows its opening report. */
export function appliedReports(c: CaseState): readonly string[] {
  if (c.reports) return c.reports;
  const opening = c.opening as { cause?: { report?: { reportId?: unknown } } } | undefined;
  const id = opening?.cause?.report?.reportId;
  return typeof id === 'string' && id !== '' ? [id] : [];
}

/** What the caller already computed for `o`: its JSON, and the case's opening observation when `o` is it (a new case). */
interface Known {
  readonly json: unknown;
  readonly opening?: HostingObservation;
}

function route(c: CaseState, o: HostingObservation, ctx: DecisionContext, fresh: boolean, known?: Known): Transition | undefined {
  const r = routeObservation(o, ctx.directory, c.sources);
  const resolvedAt = o.resolvedAt?.getTime() ?? 0;
  // A held case may carry the routing of before it closed and reopened: that route is spent.
  const routed = !fresh && c.status === CaseStatus.Open && c.routing !== undefined;
  if (r.kind === 'hold') {
    // A routed case keeps its route while the host does not resolve; a held case stays held.
    if (routed) return undefined;
    return c.holdReason === r.reason && !fresh ? undefined : { next: { ...c, status: CaseStatus.Held, holdReason: r.reason }, emits: [] };
  }
  const old = routed ? c.routing : undefined;
  const moved = { ...c, hosting: known?.json ?? observationJson(o), resolvedAt, asn: o.asn };

  if (old && old.jurisdiction === r.jurisdiction && old.hotline === r.hotline) {
    if (o.status !== HostingStatus.HOSTING_STATUS_LOCATED || !c.asn || !o.asn || c.asn === o.asn) return undefined;
    // Same country, same hotline, another network: the old hoster's notice no longer applies.
    const { deadline: _deadline, ...rest } = moved;
    const before = observationOf(c.hosting);
    const target: NoticeTarget = { kind: NoticeKind.NOTICE_KIND_HOSTER_CHANGED, audience: Audience.AUDIENCE_HOTLINE, country: old.hotlineCountry, hotline: old.hotline };
    return { next: rest, emits: [noticeEmit(target, { caseState: rest, referralId: old.referralId, event: o.id, now: ctx.now, before, after: o })] };
  }

  const epoch = c.routing ? c.routing.epoch + 1 : (c.firstEpoch ?? 0);
  const routing: CaseRouting = {
    epoch,
    referralId: referralIdOf(c, epoch),
    jurisdiction: r.jurisdiction,
    hotline: r.hotline,
    hotlineCountry: r.hotlineCountry,
    reason: reasonOf(r, old),
    fallback: r.fallback,
    policeTold: r.reason === RoutingReason.ROUTING_REASON_HOSTED_IN,
    directoryRevision: ctx.directoryRevision,
    issuedAt: ctx.now,
  };
  const { deadline: _deadline, holdReason: _hold, ...rest } = moved;
  const next: CaseState = { ...rest, status: CaseStatus.Open, routing };
  const before = old ? observationOf(c.hosting) : undefined;
  const notice = (target: NoticeTarget): Emit =>
    noticeEmit(target, { caseState: next, referralId: routing.referralId, event: 'route', now: ctx.now, ...(before ? { before } : {}), after: o });

  const emits: Emit[] = [referralEmit(next, routing, o, old?.referralId ?? '', known?.opening)];
  for (const target of r.notices) {
    // A reroute within the country: its police already know the case.
    if (old && old.jurisdiction === r.jurisdiction && target.audience === Audience.AUDIENCE_POLICE && old.policeTold) continue;
    // A police referral for a case that came from elsewhere is a relocation into the country.
    const kind = old && target.kind === NoticeKind.NOTICE_KIND_POLICE_REFERRAL ? NoticeKind.NOTICE_KIND_RELOCATION_IN : target.kind;
    emits.push(notice({ ...target, kind }));
  }
  // The files added to the case's report so far go to the hotline that has the case now, and only to it.
  for (const file of next.files ?? []) emits.push(fileNoticeEmit(next, routing, file, ctx.now));
  if (old) {
    emits.push(notice({ kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, audience: Audience.AUDIENCE_HOTLINE, country: old.hotlineCountry, hotline: old.hotline }));
    if (old.policeTold && old.jurisdiction !== r.jurisdiction) {
      emits.push(notice({ kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, audience: Audience.AUDIENCE_POLICE, country: old.jurisdiction }));
    }
  }
  return { next, emits };
}

function reasonOf(r: Extract<Route, { kind: 'refer' }>, old: CaseRouting | undefined): RoutingReason {
  if (!old) return r.reason;
  if (old.jurisdiction === r.jurisdiction) return RoutingReason.ROUTING_REASON_REROUTED;
  return relocationReason(r.reason);
}
