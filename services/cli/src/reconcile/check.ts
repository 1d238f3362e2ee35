import { outboxIssuedAt } from '@relay/cases';
import { urlKey } from '@relay/geo';
import { Audience, deriveId, HostingStatus, NoticeKind, RelayType, StreamName } from '@relay/wire';
import type { AckFloors, CaseView, Ledger, NoticeEntry, ObservationEntry, ReferralEntry, ReportEntry } from './ledger.js';

/** What is missing for a report to be accounted for. */
export const GapKind = {
  /** A receipt was given, but REPORTS does not hold the report. */
  Report: 'report',
  /** A message in REPORTS or HOSTING that does not decode and is not in the DLQ. */
  Undecodable: 'undecodable',
  /** No hosting observation for a URL of the report. */
  Observation: 'observation',
  /** The URL was located but no case exists for it. */
  Case: 'case',
  /** The case's stored value cannot be read. */
  CaseUnreadable: 'case-unreadable',
  /** The case is routed but its referral is not in REFERRALS. */
  Referral: 'referral',
  /** The case's police were told, but no police notice is in NOTICES. */
  PoliceNotice: 'police-notice',
  /** A superseding referral without the case-moved notice to the old hotline. */
  MovedOutNotice: 'moved-out-notice',
  /** The case holds messages written with its last change but never published. */
  Outbox: 'outbox',
} as const;
export type GapKind = (typeof GapKind)[keyof typeof GapKind];

/**
 * One report (URL) not accounted for, and what is missing; or one case
 * rechecked in scope with no report in it (`reportId` empty), whose
 * decision is not.
 */
export interface Gap {
  readonly reportId: string;
  /** The report's sequence in REPORTS; 0 when REPORTS does not hold it (a receipt's gap) or none applies. */
  readonly reportSeq: number;
  readonly source: string;
  readonly sourceReportId: string;
  readonly url: string;
  readonly caseId: string;
  readonly missing: GapKind;
  readonly detail: string;
}

/** How a URL of a report is accounted for. */
export const Outcome = {
  /** A case routed to a hotline, its referral and notices published. */
  Routed: 'routed',
  /** A case held for rechecks (unroutable, unresolved, no country). */
  Held: 'held',
  /** The locator could not resolve the host (the observation says so). */
  Unresolved: 'unresolved',
  /** The report or its observation is in the DLQ. */
  Dlq: 'dlq',
  /**
   * In flight, not lost: the pipeline's consumer (the locator's on REPORTS, the dispatcher's on
   * HOSTING) has not acknowledged it yet, so what it leads to is still to come (decision 0155).
   */
  Pending: 'pending',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** A referral or notice issued more than once. */
export interface Duplicate {
  readonly stream: typeof StreamName.Referrals | typeof StreamName.Notices;
  /** `same-id`: one id stored twice; `same-event`: one decision under different ids. */
  readonly rule: 'same-id' | 'same-event';
  readonly caseId: string;
  readonly ids: readonly string[];
  readonly seqs: readonly number[];
  /** Copies beyond the first. */
  readonly extra: number;
}

/** The result of a reconciliation. */
export interface Reconciliation {
  /** Reports read from REPORTS (in scope). */
  readonly reports: number;
  /** Distinct URLs of those reports. */
  readonly urls: number;
  /** URLs accounted for, by how. */
  readonly accounted: Readonly<Record<Outcome, number>>;
  /** Distinct referral and notice ids about the cases of the reports in scope. */
  readonly referrals: number;
  readonly notices: number;
  /**
   * Cases rechecked in scope that no report in scope names, judged on their
   * own (a recheck can relocate a case): how many, and how many of those the
   * dispatcher has not decided on yet (in flight).
   */
  readonly rechecked: { readonly cases: number; readonly pending: number };
  readonly gaps: readonly Gap[];
  readonly duplicates: readonly Duplicate[];
  /** Reports (or receipts, or cases rechecked in scope) with at least one gap. */
  readonly lost: number;
  /** Copies beyond the first over every duplicate. */
  readonly duplicated: number;
}

export { urlKey };

type Found = { outcome: Outcome } | { missing: GapKind; detail: string };

const policeKinds: ReadonlySet<NoticeKind> = new Set([NoticeKind.NOTICE_KIND_POLICE_REFERRAL, NoticeKind.NOTICE_KIND_RELOCATION_IN]);

/**
 * Accounts for every report of the ledger, pure: each distinct URL needs an
 * observation, and then a case with its referral and notices (or a held case,
 * an UNRESOLVED observation, or a DLQ entry for the report or observation).
 * A case rechecked in scope that no report in scope names is judged on its
 * own: a recheck that relocated it calls for a referral and notices as a
 * report does (decision 0161). `receipts` are report ids a sender was given a
 * receipt for: each must be in REPORTS. Also finds referrals and notices
 * issued twice.
 */
export function checkLedger(ledger: Ledger, receipts: Iterable<string> = []): Reconciliation {
  const referralById = new Map<string, ReferralEntry>();
  const referralsByCase = groupBy(ledger.referrals, (r) => r.caseId);
  for (const r of ledger.referrals) if (!referralById.has(r.id)) referralById.set(r.id, r);
  const noticesByReferral = groupBy(ledger.notices, (n) => n.referralId);
  const published = new Set<string>([...referralById.keys(), ...ledger.notices.map((n) => n.id)]);
  const dlqSources = new Set(ledger.dlq.map((d) => d.source));
  const dlqMsgIds = new Set(ledger.dlq.map((d) => d.msgId).filter((m) => m !== ''));

  const caseFindings = new Map<string, Found>();
  const checkCase = (caseId: string): Found => {
    let found = caseFindings.get(caseId);
    if (!found) {
      found = judgeCase(caseId, ledger, { referralById, referralsByCase, noticesByReferral, published });
      caseFindings.set(caseId, found);
    }
    return found;
  };

  const gaps: Gap[] = [];
  const accounted: Record<Outcome, number> = { routed: 0, held: 0, unresolved: 0, dlq: 0, pending: 0 };
  const lostReports = new Set<string>();
  let urls = 0;
  for (const report of ledger.reports) {
    const keys = [...new Set(report.urls.map(urlKey))];
    urls += keys.length;
    const reportInDlq = dlqSources.has(`${StreamName.Reports}:${report.seq}`) || dlqMsgIds.has(report.msgId);
    const observations = ledger.observationsByReport.get(report.id) ?? [];
    for (const key of keys) {
      const found = reportInDlq ? { outcome: Outcome.Dlq } : judgeUrl(report, key, observations, { dlqSources, floors: ledger.floors, checkCase });
      if ('outcome' in found) {
        accounted[found.outcome]++;
        continue;
      }
      lostReports.add(report.id);
      const observed = observations.find((o) => (o.normalizedUrl || o.url) === key);
      gaps.push({
        reportId: report.id,
        reportSeq: report.seq,
        source: report.source,
        sourceReportId: report.sourceReportId,
        url: key,
        caseId: observed?.normalizedUrl ? deriveId('case', observed.normalizedUrl) : '',
        missing: found.missing,
        detail: found.detail,
      });
    }
  }

  const scopeCases = new Set<string>();
  for (const list of ledger.observationsByReport.values()) for (const o of list) if (o.normalizedUrl !== '') scopeCases.add(deriveId('case', o.normalizedUrl));
  const rechecked = judgeRechecked(ledger, scopeCases, dlqSources, checkCase);
  for (const g of rechecked.gaps) {
    lostReports.add(`case:${g.caseId}`);
    gaps.push(g);
  }

  const inReports = new Set(ledger.reports.map((r) => r.id));
  for (const id of new Set(receipts)) {
    if (inReports.has(id)) continue;
    lostReports.add(id);
    gaps.push({ reportId: id, reportSeq: 0, source: '', sourceReportId: '', url: '', caseId: '', missing: GapKind.Report, detail: 'a receipt was given but REPORTS does not hold the report' });
  }
  for (const u of ledger.undecodable) {
    if (dlqSources.has(`${u.stream}:${u.seq}`)) continue;
    lostReports.add(`${u.stream}:${u.seq}`);
    gaps.push({ reportId: '', reportSeq: 0, source: '', sourceReportId: '', url: '', caseId: '', missing: GapKind.Undecodable, detail: `${u.stream}:${u.seq} (${u.msgId}) does not decode and is not in the DLQ: ${u.error}` });
  }

  const duplicates = [
    ...findDuplicates(StreamName.Referrals, ledger.referrals, referralEvent, ledger.since),
    ...findDuplicates(StreamName.Notices, ledger.notices, noticeEvent, ledger.since),
  ];
  const idsInScope = (entries: readonly { id: string; caseId: string }[]): number => new Set(entries.filter((e) => scopeCases.has(e.caseId)).map((e) => e.id)).size;
  return {
    reports: ledger.reports.length,
    urls,
    accounted,
    referrals: idsInScope(ledger.referrals),
    notices: idsInScope(ledger.notices),
    rechecked: rechecked.counts,
    gaps,
    duplicates,
    lost: lostReports.size,
    duplicated: duplicates.reduce((sum, d) => sum + d.extra, 0),
  };
}

/**
 * Judges each case rechecked in scope that no report in scope names (decision 0161): not one
 * judged with its report, one the bucket no longer holds (or holds as a tombstone), or one whose
 * answer is in the DLQ. A gap while the dispatcher has not acknowledged the answer is in flight.
 */
function judgeRechecked(
  ledger: Ledger,
  scopeCases: ReadonlySet<string>,
  dlqSources: ReadonlySet<string>,
  checkCase: (caseId: string) => Found,
): { counts: Reconciliation['rechecked']; gaps: Gap[] } {
  const counts = { cases: 0, pending: 0 };
  const gaps: Gap[] = [];
  for (const r of ledger.rechecked.values()) {
    if (scopeCases.has(r.caseId) || (ledger.cases.get(r.caseId) === undefined && !ledger.caseErrors.has(r.caseId))) continue;
    if (dlqSources.has(`${StreamName.Hosting}:${r.seq}`)) continue;
    counts.cases++;
    const found = checkCase(r.caseId);
    if ('outcome' in found) continue;
    if (ledger.floors.hosting !== undefined && r.seq > ledger.floors.hosting) counts.pending++;
    else gaps.push({ reportId: '', reportSeq: 0, source: '', sourceReportId: '', url: r.normalizedUrl, caseId: r.caseId, missing: found.missing, detail: found.detail });
  }
  return { counts, gaps };
}

/** What judging a URL needs besides the report and its observations. */
interface UrlContext {
  readonly dlqSources: ReadonlySet<string>;
  readonly floors: AckFloors;
  readonly checkCase: (caseId: string) => Found;
}

function judgeUrl(report: ReportEntry, key: string, observations: readonly ObservationEntry[], { dlqSources, floors, checkCase }: UrlContext): Found {
  const mine = observations.filter((o) => (o.normalizedUrl || o.url) === key);
  if (mine.length === 0) {
    // The locator has not acknowledged the report yet: its observation is still to come.
    if (floors.reports !== undefined && report.seq > floors.reports) return { outcome: Outcome.Pending };
    return { missing: GapKind.Observation, detail: `no hosting observation in HOSTING for report ${report.id}` };
  }
  if (mine.some((o) => dlqSources.has(`${StreamName.Hosting}:${o.seq}`))) return { outcome: Outcome.Dlq };
  const observation = mine[0] as ObservationEntry;
  if (observation.status === HostingStatus.HOSTING_STATUS_UNRESOLVED || observation.normalizedUrl === '') return { outcome: Outcome.Unresolved };
  const found = checkCase(deriveId('case', observation.normalizedUrl));
  // The dispatcher has not acknowledged an observation of it yet: its case and messages are still to come.
  if ('missing' in found && floors.hosting !== undefined && mine.some((o) => o.seq > (floors.hosting ?? 0))) return { outcome: Outcome.Pending };
  return found;
}

interface Indexes {
  readonly referralById: ReadonlyMap<string, ReferralEntry>;
  readonly referralsByCase: ReadonlyMap<string, readonly ReferralEntry[]>;
  readonly noticesByReferral: ReadonlyMap<string, readonly NoticeEntry[]>;
  readonly published: ReadonlySet<string>;
}

function judgeCase(caseId: string, ledger: Ledger, ix: Indexes): Found {
  const error = ledger.caseErrors.get(caseId);
  if (error !== undefined) return { missing: GapKind.CaseUnreadable, detail: `case ${caseId}: ${error}` };
  const c: CaseView | undefined = ledger.cases.get(caseId);
  if (!c) return { missing: GapKind.Case, detail: `no case ${caseId} in KV relay-cases` };
  // A case keeps its outbox until its next write (decision 0140): what counts is whether each referral
  // and notice in it is published. A recheck request is not read here (RECHECKS is not part of the ledger):
  // one cut off by a crash goes out with the case's next claim (decision 0031). One issued before what was
  // read of REFERRALS and NOTICES (`--follow`'s rounds) was checked by an earlier round (decision 0160).
  const pending = c.outbox.filter(
    (e) => e.type !== RelayType.RecheckRequest && !ix.published.has(e.msgId.slice(e.msgId.indexOf(':') + 1)) && !issuedBefore(e, ledger.messagesSince),
  );
  if (pending.length > 0) {
    return { missing: GapKind.Outbox, detail: `case ${caseId} holds ${pending.length} unpublished message(s): ${pending.map((e) => e.msgId).join(', ')}` };
  }
  if (!c.routing) {
    return c.status === 'held' ? { outcome: Outcome.Held } : { missing: GapKind.Referral, detail: `case ${caseId} is ${c.status} but has no route` };
  }
  if (c.status === 'held') return { outcome: Outcome.Held };
  const routing = c.routing;
  // Decided before what was read of REFERRALS and NOTICES (`--follow`'s rounds): an earlier round checked it.
  if (ledger.messagesSince !== undefined && routing.issuedAt < ledger.messagesSince.getTime()) return { outcome: Outcome.Routed };
  if (!ix.referralById.has(routing.referralId)) {
    return { missing: GapKind.Referral, detail: `referral ${routing.referralId} to ${routing.hotline} (${routing.jurisdiction}) is not in REFERRALS` };
  }
  if (routing.policeTold && !policeToldOf(routing, ix, ledger.messagesSince !== undefined)) {
    return { missing: GapKind.PoliceNotice, detail: `no police notice for ${routing.jurisdiction} about referral ${routing.referralId} in NOTICES` };
  }
  for (const r of ix.referralsByCase.get(caseId) ?? []) {
    if (r.supersedes === '') continue;
    // Notices are addressed to one hotline (decision 0091): it must be the one that had the case.
    const oldHotline = ix.referralById.get(r.supersedes)?.hotline;
    const told = (ix.noticesByReferral.get(r.id) ?? []).some(
      (n) => n.kind === NoticeKind.NOTICE_KIND_CASE_MOVED_OUT && n.audience === Audience.AUDIENCE_HOTLINE && (oldHotline === undefined || n.hotline === oldHotline),
    );
    if (!told) return { missing: GapKind.MovedOutNotice, detail: `referral ${r.id} supersedes ${r.supersedes}, but the old hotline got no case-moved notice` };
  }
  return { outcome: Outcome.Routed };
}

/** True when the entry's referral or notice was issued before `since` (never when `since` is undefined or its time unknown). */
function issuedBefore(e: CaseView['outbox'][number], since: Date | undefined): boolean {
  if (since === undefined) return false;
  const issuedAt = outboxIssuedAt(e);
  return issuedAt !== undefined && issuedAt < since.getTime();
}

/**
 * True when the jurisdiction's police got a referral or relocation notice for
 * the current referral or, after reroutes within the country (which do not
 * tell the police again), for an earlier referral in the same country. With
 * `partial` (the streams read from a time), an earlier referral that was not
 * read counts as told: an earlier round checked it.
 */
function policeToldOf(routing: NonNullable<CaseView['routing']>, ix: Indexes, partial: boolean): boolean {
  const seen = new Set<string>();
  let id = routing.referralId;
  while (id !== '' && !seen.has(id)) {
    seen.add(id);
    const told = (ix.noticesByReferral.get(id) ?? []).some(
      (n) => n.audience === Audience.AUDIENCE_POLICE && n.country === routing.jurisdiction && policeKinds.has(n.kind),
    );
    if (told) return true;
    const r = ix.referralById.get(id);
    const before = r && r.supersedes !== '' ? ix.referralById.get(r.supersedes) : undefined;
    if (partial && r !== undefined && r.supersedes !== '' && before === undefined) return true;
    if (!before || before.jurisdiction !== routing.jurisdiction) return false;
    id = before.id;
  }
  return false;
}

const referralEvent = (r: ReferralEntry): string => [r.caseId, r.supersedes, r.jurisdiction, r.hotline, r.hostingId].join('|');
const noticeEvent = (n: NoticeEntry): string =>
  [n.caseId, n.referralId, n.kind, n.audience, n.country, n.hotline, n.hostingAfterId, n.deadline ?? ''].join('|');

function findDuplicates<T extends { readonly id: string; readonly seq: number; readonly caseId: string; readonly time: Date }>(
  stream: Duplicate['stream'],
  entries: readonly T[],
  eventOf: (e: T) => string,
  since: Date | undefined,
): Duplicate[] {
  const inScope = (group: readonly T[]): boolean => since === undefined || group.some((e) => e.time >= since);
  const out: Duplicate[] = [];
  for (const group of groupBy(entries, (e) => e.id).values()) {
    if (group.length > 1 && inScope(group)) {
      out.push({ stream, rule: 'same-id', caseId: group[0]?.caseId ?? '', ids: [group[0]?.id ?? ''], seqs: group.map((e) => e.seq), extra: group.length - 1 });
    }
  }
  for (const group of groupBy(entries, eventOf).values()) {
    const ids = [...new Set(group.map((e) => e.id))];
    if (ids.length > 1 && inScope(group)) {
      out.push({ stream, rule: 'same-event', caseId: group[0]?.caseId ?? '', ids, seqs: group.map((e) => e.seq), extra: ids.length - 1 });
    }
  }
  return out;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}
