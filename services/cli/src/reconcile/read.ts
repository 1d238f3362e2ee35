import { BucketValueError, type Bus, DEFAULT_MAX_SKEW_MS, type JsonBucket, openJsonBucket, readersOf, readStream, type StoredMessage, streamState } from '@relay/bus';
import { decodeMessage, deriveId, Header, KvBucket, type RelayMessageMap, type RelayTypeName, RelayType, StreamName } from '@relay/wire';
import {
  type AckFloors,
  type CaseView,
  caseViewSchema,
  type DlqEntry,
  type Ledger,
  type NoticeEntry,
  type ObservationEntry,
  type RecheckedEntry,
  type ReferralEntry,
  type ReportEntry,
  type UndecodableEntry,
} from './ledger.js';
import { isCaseTombstone } from '../reroute/cases.js';

/** Which part of the relay's history to reconcile. */
export interface LedgerScope {
  /** Only reports stored at or after this time (and their observations); all when undefined. */
  readonly since?: Date;
  /** Case reads in flight at once. Default 64. */
  readonly concurrency?: number;
  /**
   * Read REFERRALS and NOTICES only from about this time (`relay audit
   * --follow`, whose rounds overlap; from the clock skew the relay allows
   * before it, as the server stamps them): a case's decision, or an outbox
   * entry, issued before it is taken as checked by an earlier round. All of
   * both streams when undefined.
   */
  readonly messagesSince?: Date;
  /**
   * How the cases are read: `auto` (the default) reads the case bucket whole
   * when it holds at most {@link SCAN_KEYS_PER_CASE} keys per case in scope,
   * else case by case; `scan` and `get` force one way (the bench measures both).
   */
  readonly caseReads?: CaseReadMode;
}

/** See {@link LedgerScope.caseReads}. */
export type CaseReadMode = 'auto' | 'scan' | 'get';

type Decoded<K extends RelayTypeName> = { ok: true; message: RelayMessageMap[K] } | { ok: false; error: string };

function decodeStored<K extends RelayTypeName>(m: StoredMessage, type: K): Decoded<K> {
  const header = m.headers[Header.Type];
  if (header !== type) return { ok: false, error: `Relay-Type is ${header === undefined ? 'missing' : JSON.stringify(header)}, not ${type}` };
  try {
    return { ok: true, message: decodeMessage(type, m.data) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

async function* messagesOf(bus: Bus, stream: StreamName, since: Date | undefined): AsyncGenerator<StoredMessage> {
  yield* readStream(bus, { stream, ...(since === undefined ? {} : { startTime: since }) });
}

/**
 * Reads what reconciliation needs: the reports in scope and their
 * observations, the cases rechecked in scope, every referral, notice and DLQ
 * entry, and the case of every located URL and rechecked case. Reads only;
 * leaves nothing behind on the server.
 */
export async function readLedger(bus: Bus, scope: LedgerScope = {}): Promise<Ledger> {
  const undecodable: UndecodableEntry[] = [];
  const refuse = (m: StoredMessage, error: string): void => {
    undecodable.push({ stream: m.stream, seq: m.seq, msgId: m.headers[Header.MsgId] ?? '', error });
  };

  // Before the streams: a report at or under the locator's floor was observed before HOSTING is read.
  const floors = await ackFloors(bus);
  const reports: ReportEntry[] = [];
  for await (const m of messagesOf(bus, StreamName.Reports, scope.since)) {
    const d = decodeStored(m, RelayType.Report);
    if (!d.ok) refuse(m, d.error);
    else {
      const r = d.message;
      reports.push({ seq: m.seq, time: m.time, id: r.id, source: r.source, sourceReportId: r.sourceReportId, urls: r.urls, msgId: m.headers[Header.MsgId] ?? '' });
    }
  }
  const inScope = new Set(reports.map((r) => r.id));

  const observationsByReport = new Map<string, ObservationEntry[]>();
  const rechecked = new Map<string, RecheckedEntry>();
  for await (const m of messagesOf(bus, StreamName.Hosting, scope.since)) {
    const d = decodeStored(m, RelayType.HostingObservation);
    if (!d.ok) {
      refuse(m, d.error);
      continue;
    }
    const o = d.message;
    const cause = o.cause?.cause;
    // A recheck's answer may have moved its case (a relocation with no report behind it): its case is judged too.
    if (cause?.$case === 'recheck' && o.normalizedUrl !== '') {
      const caseId = deriveId('case', o.normalizedUrl);
      rechecked.set(caseId, { seq: m.seq, caseId, normalizedUrl: o.normalizedUrl });
    }
    if (cause?.$case !== 'report' || !inScope.has(cause.value.reportId)) continue;
    const entry: ObservationEntry = { seq: m.seq, id: o.id, reportId: cause.value.reportId, url: o.url, normalizedUrl: o.normalizedUrl, status: o.status };
    const list = observationsByReport.get(entry.reportId ?? '');
    if (list) list.push(entry);
    else observationsByReport.set(entry.reportId ?? '', [entry]);
  }

  const referrals: ReferralEntry[] = [];
  const notices: NoticeEntry[] = [];
  // A decision is judged by the dispatcher's clock (issuedAt), the read starts by the server's: start earlier by the skew allowed.
  const from = scope.messagesSince === undefined ? { startSeq: 1 } : { startTime: new Date(scope.messagesSince.getTime() - DEFAULT_MAX_SKEW_MS) };
  const readTo = { referrals: await readReferrals(bus, from, referrals), notices: await readNotices(bus, from, notices) };

  const dlq: DlqEntry[] = [];
  for await (const m of messagesOf(bus, StreamName.Dlq, undefined)) {
    dlq.push({ seq: m.seq, source: m.headers[Header.DlqSource] ?? '', msgId: m.headers[Header.DlqMsgId] ?? '', error: m.headers[Header.Error] ?? '' });
  }

  const caseIds = new Set<string>();
  for (const list of observationsByReport.values()) for (const o of list) if (o.normalizedUrl !== '') caseIds.add(deriveId('case', o.normalizedUrl));
  const onlyRechecked = [...rechecked.keys()].filter((id) => !caseIds.has(id));
  const { cases, caseErrors } = await readCases(bus, [...caseIds, ...onlyRechecked], scope.concurrency ?? 64, scope.caseReads ?? 'auto', new Set(onlyRechecked));

  return { reports, observationsByReport, rechecked, referrals, notices, dlq, cases, caseErrors, undecodable, since: scope.since, messagesSince: scope.messagesSince, readTo, floors };
}

/** The pipeline's durable consumers whose ack floors tell what is in flight (the services' names). */
const PIPELINE_DURABLES = { reports: 'locator-reports', hosting: 'dispatcher-hosting' } as const;

/** The ack floors of the locator on REPORTS and the dispatcher on HOSTING (see {@link AckFloors}). */
async function ackFloors(bus: Bus): Promise<AckFloors> {
  const floorOf = async (stream: StreamName, durable: string): Promise<number | undefined> =>
    (await readersOf(bus, stream, [])).find((r) => r.name === durable)?.ackFloor;
  const [reports, hosting] = await Promise.all([floorOf(StreamName.Reports, PIPELINE_DURABLES.reports), floorOf(StreamName.Hosting, PIPELINE_DURABLES.hosting)]);
  return { ...(reports === undefined ? {} : { reports }), ...(hosting === undefined ? {} : { hosting }) };
}

/**
 * The ledger with the referrals and notices stored since it was read. The
 * streams are read before the cases, so on a running relay a case can show
 * a decision (a recheck's relocation, say) whose messages were published
 * after the streams were read: read on, and the gap closes if it was only late.
 */
export async function readLaterMessages(bus: Bus, ledger: Ledger): Promise<Ledger> {
  const referrals = [...ledger.referrals];
  const notices = [...ledger.notices];
  const readTo = {
    referrals: await readReferrals(bus, { startSeq: ledger.readTo.referrals + 1 }, referrals),
    notices: await readNotices(bus, { startSeq: ledger.readTo.notices + 1 }, notices),
  };
  return { ...ledger, referrals, notices, readTo };
}

/** Where a read of REFERRALS or NOTICES starts: a sequence, or a time. */
type ReadStart = { readonly startSeq: number } | { readonly startTime: Date };

/**
 * Decodes `stream`'s messages of `type` from `from` on, handing each to `add` (one that does not
 * decode is skipped: REPORTS and HOSTING are where undecodable messages count); returns the last
 * sequence read, or the last one before `from` (so a later read goes on from there).
 */
async function readFrom<K extends RelayTypeName>(
  bus: Bus,
  stream: StreamName,
  type: K,
  from: ReadStart,
  add: (m: StoredMessage, message: RelayMessageMap[K]) => void,
): Promise<number> {
  // From a time: what the stream held before it is not read, and a later read goes on after it.
  let last = 'startSeq' in from ? from.startSeq - 1 : ((await streamState(bus, stream))?.lastSeq ?? 0);
  for await (const m of readStream(bus, { stream, ...from })) {
    last = Math.max(last, m.seq);
    const d = decodeStored(m, type);
    if (d.ok) add(m, d.message);
  }
  return last;
}

/** Appends REFERRALS' referrals from `from` on; returns the last sequence read. */
function readReferrals(bus: Bus, from: ReadStart, into: ReferralEntry[]): Promise<number> {
  return readFrom(bus, StreamName.Referrals, RelayType.Referral, from, (m, r) => {
    into.push({ seq: m.seq, time: m.time, id: r.id, caseId: r.caseId, supersedes: r.supersedes, jurisdiction: r.jurisdiction, hotline: r.hotline, hostingId: r.hosting?.id ?? '' });
  });
}

/** Appends NOTICES' notices from `from` on; returns the last sequence read. */
function readNotices(bus: Bus, from: ReadStart, into: NoticeEntry[]): Promise<number> {
  return readFrom(bus, StreamName.Notices, RelayType.Notice, from, (m, n) => {
    into.push({
      seq: m.seq,
      time: m.time,
      id: n.id,
      caseId: n.caseId,
      referralId: n.referralId,
      kind: n.kind,
      audience: n.audience,
      country: n.country,
      hotline: n.hotline,
      hostingAfterId: n.hostingAfter?.id ?? '',
      deadline: n.deadline?.getTime(),
    });
  });
}

/**
 * Keys in the bucket per case wanted up to which reading the whole bucket
 * once (one ordered consumer) is faster than one read per case. Measured
 * (docs/operations.md, decision 0157): on 2 cores beside a loaded pipeline
 * the whole bucket reads at ~2.4x the keys/s of reads per case, alone at
 * 4-5x; 2 keeps the whole read the faster where it is chosen.
 */
const SCAN_KEYS_PER_CASE = 2;

type CaseReads = { cases: Map<string, CaseView | undefined>; caseErrors: Map<string, string> };

/** Stored values (JSON, not yet checked as cases) by id, undefined where the bucket has none, and why a value could not be read. */
type RawReads = { values: Map<string, unknown>; errors: Map<string, string> };

function parseCase(raw: unknown): CaseView {
  if (isCaseTombstone(raw)) throw new Error('closed for longer than the retention period: only its tombstone is left (decision 0118)');
  return caseViewSchema.parse(raw);
}

/**
 * The case of each id (undefined where the bucket has none), and why a case
 * could not be read. Reads the bucket whole when it holds at most
 * {@link SCAN_KEYS_PER_CASE} keys per id (`how` forces the one or the other).
 * A tombstone of one of `tombstoneAsNone` (cases only rechecked in scope,
 * since closed past the retention period) reads as no case, not as an error.
 */
async function readCases(bus: Bus, ids: readonly string[], concurrency: number, how: CaseReadMode, tombstoneAsNone: ReadonlySet<string>): Promise<CaseReads> {
  const cases = new Map<string, CaseView | undefined>();
  if (ids.length === 0) return { cases, caseErrors: new Map() };
  const bucket = await openJsonBucket<unknown>(bus, KvBucket.Cases);
  const scan = how === 'scan' || (how === 'auto' && (await bucket.size()) <= ids.length * SCAN_KEYS_PER_CASE);
  const { values, errors } = (scan ? await scanCases(bucket, ids, concurrency) : undefined) ?? (await getCases(bucket, ids, concurrency));
  for (const id of ids) {
    if (errors.has(id)) continue;
    const raw = values.get(id);
    try {
      cases.set(id, raw === undefined || (tombstoneAsNone.has(id) && isCaseTombstone(raw)) ? undefined : parseCase(raw));
    } catch (err) {
      errors.set(id, new BucketValueError(bucket.name, id, err).message);
    }
  }
  return { cases, caseErrors: errors };
}

/**
 * Reads the bucket's values stored when the read began, once, keeping those
 * of `ids`; then, one by one, each of `ids` it did not see: a case rewritten
 * during the read whose earlier value it had not reached yet (or one that
 * is not there). A case read and then rewritten keeps the value read, as a
 * read per case made then would have found it. Undefined when some value of
 * the bucket is not JSON: the caller then reads case by case, which names
 * the case.
 */
async function scanCases(bucket: JsonBucket<unknown>, ids: readonly string[], concurrency: number): Promise<RawReads | undefined> {
  const wanted = new Set(ids);
  const values = new Map<string, unknown>();
  try {
    for await (const { key, value } of await bucket.values({ untilStart: true })) if (wanted.has(key)) values.set(key, value);
  } catch (err) {
    if (err instanceof BucketValueError) return undefined;
    throw err;
  }
  const later = await getCases(bucket, ids.filter((id) => !values.has(id)), concurrency);
  for (const [id, value] of later.values) values.set(id, value);
  return { values, errors: later.errors };
}

/** Reads the values of `ids` one by one, `concurrency` reads in flight. */
async function getCases(bucket: JsonBucket<unknown>, ids: readonly string[], concurrency: number): Promise<RawReads> {
  const values = new Map<string, unknown>();
  const errors = new Map<string, string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      try {
        values.set(id, (await bucket.get(id))?.value);
      } catch (err) {
        if (!(err instanceof BucketValueError)) throw err;
        errors.set(id, err.message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return { values, errors };
}
