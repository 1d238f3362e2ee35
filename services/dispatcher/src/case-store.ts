import { type Bus, type JsonBucket, openJsonBucket, publishBytes, type Versioned } from '@relay/bus';
import { decodeMessage, encodeMessage, Header, KvBucket, RelayType, type RelayMessageMap, type RelayTypeName } from '@relay/wire';
import { type CaseState, type CaseTombstone, isTombstone, type OutboxEntry, parseStoredCase, type StoredCase } from './case-state.js';
import type { Transition } from './decide-observation.js';
import { type Emit, ORIGIN } from './messages.js';
import { createReportHashes, type ReportHashes } from './report-hashes.js';

/** What {@link CaseStore.transact} did. */
export interface Applied {
  /** The transition this call wrote, if it wrote one. */
  readonly transition: Transition | undefined;
  /** The case after the call (undefined when absent). */
  readonly state: CaseState | undefined;
  /** Messages published by this call (its own and any left pending by a crashed writer). */
  readonly published: number;
}

/** Case state in KV, with an in-process cache kept honest by compare-and-set. */
export interface CaseStore {
  /**
   * Decides on a case and applies the decision: writes the next state and
   * its messages (the outbox) in one compare-and-set, publishes them, then
   * clears them from the outbox. Calls for one case run one at a time in this
   * process; other replicas are kept out by the compare-and-set (a conflict
   * re-reads and decides again, so `decide` must be pure).
   * Options: `fresh` reads KV instead of trusting the cache (refusals must
   * never rest on a stale cache); `likelyNew` tries to create the case
   * without reading first when it is not cached (a report of a new URL: a
   * read of a missing key costs more than a lost create).
   * Where the case is a tombstone (decision 0118), `decide` gets no case and
   * the tombstone; what it writes replaces the tombstone.
   */
  transact(
    caseId: string,
    decide: (current: CaseState | undefined, tombstone?: CaseTombstone) => Transition | undefined,
    options?: { fresh?: boolean; likelyNew?: boolean; traceparent?: string },
  ): Promise<Applied>;
  /** Reads a case, from the cache unless `fresh` (undefined for a tombstone). */
  read(caseId: string, fresh?: boolean): Promise<CaseState | undefined>;
  /** The cached case or tombstone if the cache holds exactly `revision` of it (typically this process's own write), without touching LRU order. */
  known(caseId: string, revision: number): StoredCase | undefined;
  /** Tells the cache about a change seen on the bucket's watch. */
  observed(caseId: string, revision: number, raw: unknown): void;
  /** Cache statistics. */
  cacheStats(): { size: number; hits: number; misses: number };
}

/** Options of {@link openCaseStore}. */
export interface CaseStoreOptions {
  /** Cases kept in memory (least recently used are dropped). */
  readonly cacheSize: number;
  /** Called for each message published; `message` is there when this process wrote the entry. */
  readonly onPublished?: (entry: OutboxEntry, message?: RelayMessageMap[RelayTypeName]) => void;
  /** Where referrals' hashes are read (decision 0094). Default: REPORTS on `bus`. */
  readonly reportHashes?: ReportHashes;
  /** Called when a referral goes out without the hashes its report had: REPORTS no longer holds the report. */
  readonly onHashesMissing?: (entry: OutboxEntry) => void;
}

/** What this process still holds of an outbox entry it wrote: its bytes and message, not re-decoded from base64. */
interface Written {
  readonly bytes: Uint8Array;
  readonly message: RelayMessageMap[RelayTypeName];
}
const written = new WeakMap<OutboxEntry, Written>();

const ABSENT = { value: undefined, revision: 0 } as const;

/** Opens the case bucket (created by `ensureTopology`). */
export async function openCaseStore(bus: Bus, options: CaseStoreOptions): Promise<CaseStore> {
  const bucket: JsonBucket<StoredCase> = await openJsonBucket(bus, KvBucket.Cases, parseStoredCase);
  const cache = new Map<string, Versioned<StoredCase>>();
  const locks = new Map<string, Promise<void>>();
  let hits = 0;
  let misses = 0;

  const remember = (caseId: string, v: Versioned<StoredCase> | undefined): void => {
    cache.delete(caseId);
    if (!v) return;
    cache.set(caseId, v);
    if (cache.size > options.cacheSize) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
  };
  const cached = (caseId: string): Versioned<StoredCase> | undefined => {
    const v = cache.get(caseId);
    if (v) {
      hits++;
      // Re-insert: a Map iterates in insertion order, so this keeps LRU order.
      cache.delete(caseId);
      cache.set(caseId, v);
    } else {
      misses++;
    }
    return v;
  };

  const withLock = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = prev.then(() => mine);
    locks.set(key, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (locks.get(key) === chained) locks.delete(key);
    }
  };

  const reportHashes = options.reportHashes ?? createReportHashes(bus);
  /** The entry's bytes and message, with a referral's hashes read from its report. */
  const complete = async (e: OutboxEntry): Promise<Partial<Written>> => {
    const local = written.get(e);
    if (!e.hashesFrom || (e.type !== RelayType.Referral && e.type !== RelayType.Notice)) return local ?? {};
    const hashes = await reportHashes.hashesOf(e.hashesFrom);
    if (!hashes) {
      options.onHashesMissing?.(e);
      return local ?? {};
    }
    if (e.type === RelayType.Notice) {
      // A FILE_DETAILS notice (decision 0101): the file's hashes, read from its report like a referral's.
      const notice = (local?.message as RelayMessageMap['relay.v1.Notice'] | undefined) ?? decodeMessage(RelayType.Notice, Buffer.from(e.data, 'base64'));
      const message = { ...notice, files: { reportId: notice.files?.reportId ?? e.hashesFrom.reportId, classification: notice.files?.classification, hashes: [...hashes] } };
      return { bytes: encodeMessage(RelayType.Notice, message), message };
    }
    const referral = (local?.message as RelayMessageMap['relay.v1.Referral'] | undefined) ?? decodeMessage(RelayType.Referral, Buffer.from(e.data, 'base64'));
    const message = { ...referral, hashes: [...hashes] };
    return { bytes: encodeMessage(RelayType.Referral, message), message };
  };

  const publishOutbox = async (entries: readonly OutboxEntry[]): Promise<void> => {
    await Promise.all(
      entries.map(async (e) => {
        const local = await complete(e);
        await publishBytes(bus, e.subject, local.bytes ?? Buffer.from(e.data, 'base64'), {
          msgId: e.msgId,
          origin: ORIGIN,
          ...(e.traceparent === undefined ? {} : { traceparent: e.traceparent }),
          headers: { [Header.Type]: e.type },
        });
        options.onPublished?.(e, local.message);
      }),
    );
  };

  const flush = async (caseId: string, state: Versioned<CaseState>): Promise<Versioned<StoredCase>> => {
    const entries = state.value.outbox;
    await publishOutbox(entries);
    const done = new Set(entries.map((e) => e.msgId));
    const cleared = await bucket.update(
      caseId,
      (cur) => (cur && !isTombstone(cur) && cur.outbox.some((e) => done.has(e.msgId)) ? { ...cur, outbox: cur.outbox.filter((e) => !done.has(e.msgId)) } : undefined),
      20,
      state,
    );
    return cleared ?? state;
  };

  return {
    transact: (caseId, decide, opts = {}) =>
      withLock(caseId, async () => {
        const known = opts.fresh ? undefined : (cached(caseId) ?? (opts.likelyNew ? ABSENT : undefined));
        let wrote: Transition | undefined;
        const result = await bucket.update(
          caseId,
          (cur) => {
            wrote = cur && isTombstone(cur) ? decide(undefined, cur) : decide(cur);
            if (!wrote) return undefined;
            // A tombstone's outbox is always empty.
            return { ...wrote.next, outbox: [...(cur?.outbox ?? []), ...wrote.emits.map((e) => toOutbox(e, opts.traceparent))] };
          },
          20,
          known,
        );
        if (!result) return { transition: undefined, state: undefined, published: 0 };
        remember(caseId, result);
        const stored = result.value;
        if (isTombstone(stored)) return { transition: undefined, state: undefined, published: 0 };
        if (stored.outbox.length === 0) return { transition: wrote, state: stored, published: 0 };
        const published = stored.outbox.length;
        // Cached before publishing: the watch then knows this revision without parsing it,
        // and a failed publish leaves the pending outbox where the redelivery finds it.
        const after = await flush(caseId, { value: stored, revision: result.revision });
        remember(caseId, after);
        return { transition: wrote, state: isTombstone(after.value) ? undefined : after.value, published };
      }),
    read: async (caseId, fresh = false) => {
      const hit = fresh ? undefined : cached(caseId);
      const got = hit ?? (await bucket.get(caseId));
      if (!hit) remember(caseId, got);
      return got && !isTombstone(got.value) ? got.value : undefined;
    },
    known: (caseId, revision) => {
      const have = cache.get(caseId);
      return have?.revision === revision ? have.value : undefined;
    },
    observed: (caseId, revision, raw) => {
      const have = cache.get(caseId);
      if (!have || have.revision >= revision) return;
      let parsed: StoredCase | undefined;
      try {
        parsed = raw === undefined ? undefined : parseStoredCase(raw);
      } catch {
        parsed = undefined;
      }
      if (parsed) cache.set(caseId, { value: parsed, revision });
      else cache.delete(caseId);
    },
    cacheStats: () => ({ size: cache.size, hits, misses }),
  };
}

function toOutbox<K extends RelayTypeName>(e: Emit<K>, traceparent: string | undefined): OutboxEntry {
  const bytes = encodeMessage(e.type, e.message);
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const entry: OutboxEntry = {
    msgId: e.msgId,
    subject: e.subject,
    type: e.type,
    data,
    ...(traceparent === undefined ? {} : { traceparent }),
    ...(e.hashesFrom === undefined ? {} : { hashesFrom: { ...e.hashesFrom } }),
  };
  written.set(entry, { bytes, message: e.message });
  return entry;
}
