import type { Bus, JsonBucket, Versioned } from '@relay/bus';
import {
  carriedOutbox,
  type CaseState,
  CaseStatus,
  type CaseTombstone,
  isPublished,
  isTombstone,
  markPublished,
  openCaseBucket,
  type OutboxCause,
  type OutboxEntry,
  parseStoredCase,
  type StoredCase,
  toOutboxEntry,
} from '@relay/cases';
import type { Transition } from './decide-observation.js';

/** What {@link CaseStore.transact} stored. */
export interface Committed {
  /** The transition this call wrote, if it wrote one. */
  readonly transition: Transition | undefined;
  /** The case after the call (undefined when absent or a tombstone). */
  readonly state: CaseState | undefined;
  /** Its revision in KV (0 when absent). */
  readonly revision: number;
  /**
   * Entries of the stored outbox this process has not published: the ones
   * this call wrote, and any a crashed writer left (decision 0140). The
   * outbox (outbox.ts) publishes them; the store never publishes.
   */
  readonly unpublished: readonly OutboxEntry[];
}

/** Case state in KV, with an in-process cache kept honest by compare-and-set. It stores; it does not publish. */
export interface CaseStore {
  /**
   * Decides on a case and stores the decision: the next state and the
   * messages it calls for (its outbox) in one compare-and-set. Entries of the
   * previous outbox that are published are marked so (`publishedAt`) and kept
   * for an hour, then dropped by a later write, or at once by a write that
   * closes the case (no write of its own clears an outbox, decisions 0140,
   * 0162); any other entries are carried along. Other replicas are kept out by the compare-and-set (a
   * conflict re-reads and decides again, so `decide` must be pure); calls
   * for one case in this process are serialised by the caller (apply.ts).
   * Options: `fresh` reads KV instead of trusting the cache (refusals must
   * never rest on a stale cache); `likelyNew` tries to create the case
   * without reading first when it is not cached (a report of a new URL: a
   * read of a missing key costs more than a lost create); `cause` is the
   * consumed message the write answers.
   * Where the case is a tombstone (decision 0118), `decide` gets no case and
   * the tombstone; what it writes replaces the tombstone.
   */
  transact(
    caseId: string,
    decide: (current: CaseState | undefined, tombstone?: CaseTombstone) => Transition | undefined,
    options?: { fresh?: boolean; likelyNew?: boolean; traceparent?: string; cause?: OutboxCause },
  ): Promise<Committed>;
  /**
   * Removes the given entries from the case's outbox, by compare-and-set from
   * `from` (re-read on a conflict): for a case nobody writes again soon (a
   * closed case) and for entries a scheduler wrote (decision 0140).
   */
  clear(caseId: string, from: Versioned<CaseState>, msgIds: ReadonlySet<string>): Promise<void>;
  /** Reads a case, from the cache unless `fresh` (undefined for a tombstone). */
  read(caseId: string, fresh?: boolean): Promise<CaseState | undefined>;
  /** The cached case or tombstone if the cache holds exactly `revision` of it (typically this process's own write), without touching LRU order. */
  known(caseId: string, revision: number): StoredCase | undefined;
  /** Tells the cache about a value read from the bucket (the resync, case-watch.ts). */
  observed(caseId: string, revision: number, raw: unknown): void;
  /** The revision the cache holds of a case, 0 when none. */
  cachedRevision(caseId: string): number;
  /**
   * Notes that every entry of the case's outbox at `revision` is published (the outbox calls it):
   * remembered past the cache when the case left it before its publishes were acknowledged (decision 0151).
   */
  outboxPublished(caseId: string, revision: number): void;
  /** Cache statistics. */
  cacheStats(): { size: number; hits: number; misses: number };
}

/** Options of {@link openCaseStore}. */
export interface CaseStoreOptions {
  /** Cases kept in memory (least recently used are dropped). */
  readonly cacheSize: number;
  /** Called with every value this process stores (the schedules follow its own writes without a watch, decision 0141). */
  readonly onWrite?: (caseId: string, value: StoredCase) => void;
  /** Revisions remembered as published after their case left the cache (decision 0151). Default 100,000 (a few MB). */
  readonly publishedMemory?: number;
  /** The time, ms: when a write found an entry published (decision 0162). Default `Date.now`. */
  readonly now?: () => number;
}

const ABSENT = { value: undefined, revision: 0 } as const;

/** Opens the case bucket (created by `ensureTopology`). */
export async function openCaseStore(bus: Bus, options: CaseStoreOptions): Promise<CaseStore> {
  const bucket: JsonBucket<StoredCase> = await openCaseBucket(bus);
  const cache = new Map<string, Versioned<StoredCase>>();
  // Revisions (the bucket's stream sequences, unique to one write of one case) whose whole outbox this
  // process published, kept after the case leaves the cache: read back at that revision, its entries are
  // known to be out and are not published again (decision 0151). Oldest first.
  const published = new Set<number>();
  const publishedMemory = options.publishedMemory ?? 100_000;
  const now = options.now ?? Date.now;
  let hits = 0;
  let misses = 0;

  const keep = (revision: number): void => {
    published.add(revision);
    if (published.size > publishedMemory) published.delete(published.values().next().value as number);
  };
  const evict = (caseId: string): void => {
    const v = cache.get(caseId);
    cache.delete(caseId);
    if (v && !isTombstone(v.value) && v.value.outbox.length > 0 && v.value.outbox.every(isPublished)) keep(v.revision);
  };
  const remember = (caseId: string, v: Versioned<StoredCase> | undefined): void => {
    cache.delete(caseId);
    if (!v) return;
    cache.set(caseId, v);
    if (cache.size > options.cacheSize) {
      const oldest = cache.keys().next();
      if (!oldest.done) evict(oldest.value);
    }
  };
  /** A value read from the bucket, its entries marked published when this process published that revision. */
  const recalled = <T extends Versioned<StoredCase> | undefined>(got: T): T => {
    if (got && published.delete(got.revision) && !isTombstone(got.value)) for (const e of got.value.outbox) markPublished(e);
    return got;
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

  return {
    transact: async (caseId, decide, opts = {}) => {
      let known: Versioned<StoredCase | undefined> | undefined;
      if (opts.fresh) {
        // Read KV, but keep the cached object when it is that revision: it knows which entries this process published.
        const got = await bucket.get(caseId);
        const have = cache.get(caseId);
        known = got && have?.revision === got.revision ? have : (recalled(got) ?? ABSENT);
      } else {
        // Not cached: read it first (and recall what was published of it), unless it is most likely new.
        known = cached(caseId) ?? (opts.likelyNew ? ABSENT : (recalled(await bucket.get(caseId)) ?? ABSENT));
      }
      let wrote: Transition | undefined;
      const result = await bucket.update(
        caseId,
        (cur) => {
          wrote = cur && isTombstone(cur) ? decide(undefined, cur) : decide(cur);
          if (!wrote) return undefined;
          // A tombstone's outbox is always empty; entries published are kept for an hour, then dropped here,
          // or dropped at once when the case closes (decision 0162).
          const carried = carriedOutbox(cur?.outbox ?? [], now(), wrote.next.status !== CaseStatus.Closed);
          return { ...wrote.next, outbox: [...carried, ...wrote.emits.map((e) => toOutboxEntry(e, opts.traceparent, opts.cause))] };
        },
        20,
        known,
      );
      if (!result) return { transition: undefined, state: undefined, revision: 0, unpublished: [] };
      remember(caseId, result);
      if (wrote) options.onWrite?.(caseId, result.value);
      const stored = result.value;
      if (isTombstone(stored)) return { transition: undefined, state: undefined, revision: result.revision, unpublished: [] };
      return { transition: wrote, state: stored, revision: result.revision, unpublished: stored.outbox.filter((e) => !isPublished(e)) };
    },
    clear: async (caseId, from, msgIds) => {
      const cleared = await bucket.update(
        caseId,
        (cur) => (cur && !isTombstone(cur) && cur.outbox.some((e) => msgIds.has(e.msgId)) ? { ...cur, outbox: cur.outbox.filter((e) => !msgIds.has(e.msgId)) } : undefined),
        20,
        from,
      );
      if (cleared) {
        remember(caseId, cleared);
        options.onWrite?.(caseId, cleared.value);
      }
    },
    read: async (caseId, fresh = false) => {
      const hit = fresh ? undefined : cached(caseId);
      const got = hit ?? recalled(await bucket.get(caseId));
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
    cachedRevision: (caseId) => cache.get(caseId)?.revision ?? 0,
    outboxPublished: (caseId, revision) => {
      // Cached at that revision: its entries say so (a copy read back meanwhile is marked too); evicted meanwhile: the note.
      const have = cache.get(caseId);
      if (have?.revision !== revision) keep(revision);
      else if (!isTombstone(have.value)) for (const e of have.value.outbox) markPublished(e);
    },
    cacheStats: () => ({ size: cache.size, hits, misses }),
  };
}
