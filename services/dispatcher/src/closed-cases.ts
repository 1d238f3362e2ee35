import { BucketValueError, type Bus, type JsonBucket, openJsonBucket, PERSONAL_DATA_MAX_AGE_MS } from '@relay/bus';
import { KvBucket } from '@relay/wire';
import { z } from 'zod';
import { type CaseState, CaseStatus, type CaseTombstone, isTombstone, parseStoredCase, type StoredCase } from '@relay/cases';
import { appliedReports } from './decide-observation.js';

/** Settings of {@link archiveClosedCases}. */
export interface ClosedCaseOptions {
  /** The retention period, ms: a case closed for longer becomes a tombstone. */
  readonly afterMs: number;
  /** Now, ms. */
  readonly now: number;
  /**
   * How long messages that may hold an observation of before the close are
   * kept (REPORTS, HOSTING, DLQ), ms; default {@link PERSONAL_DATA_MAX_AGE_MS}.
   */
  readonly maxMessageAgeMs?: number;
}

/** What one run did. */
export interface ClosedCaseReport {
  /** Closed cases replaced by their tombstone. */
  readonly tombstoned: number;
  /** Tombstones removed. */
  readonly removed: number;
}

/** The few fields the scan needs; a value that does not parse is left alone (the read of the case bucket warns about it). */
const scanView = z
  .object({
    status: z.string(),
    closed: z.object({ at: z.number() }).optional(),
    tombstone: z.object({ closedAt: z.number() }).optional(),
  })
  .loose();

/** The tombstone of a closed case: no URL, host, IP, observation, route or outbox. */
export function tombstoneOf(c: CaseState & { closed: NonNullable<CaseState['closed']> }, now: number): CaseTombstone {
  return {
    v: 1,
    id: c.id,
    status: CaseStatus.Closed,
    tombstone: { closedAt: c.closed.at, at: now, nextEpoch: c.routing ? c.routing.epoch + 1 : (c.firstEpoch ?? 0), recheckSeq: c.recheck.seq, ...(c.generation === undefined ? {} : { generation: c.generation }) },
    resolvedAt: c.resolvedAt,
    reports: [...appliedReports(c)],
    outbox: [],
  };
}

/**
 * Replaces every case closed for longer than `afterMs` by its tombstone, and
 * removes a tombstone once the case has been closed for longer than the
 * period plus the longest a message holding an older observation is kept
 * (decision 0118). Every write is a compare-and-set on the revision read, so
 * a case reopened meanwhile is left as it is, and runs from several replicas
 * are safe. `relay-cases` keeps one revision per key (history 1): the
 * tombstone's write removes the case's value from the bucket's stream.
 */
export async function archiveClosedCases(bus: Bus, options: ClosedCaseOptions): Promise<ClosedCaseReport> {
  const scan = await openJsonBucket(bus, KvBucket.Cases, (raw) => scanView.safeParse(raw).data);
  const cases = await openJsonBucket(bus, KvBucket.Cases, parseStoredCase);
  const closedBefore = options.now - options.afterMs;
  const removeBefore = closedBefore - (options.maxMessageAgeMs ?? PERSONAL_DATA_MAX_AGE_MS);
  let tombstoned = 0;
  let removed = 0;
  // Up to where the read began: a case rewritten before the read reached it was just written, so not
  // closed for long, and waits for the next sweep; the sweep does not read its own tombstones back.
  for await (const { key, value, revision } of await scan.values({ untilStart: true })) {
    if (value?.tombstone) {
      if (value.tombstone.closedAt < removeBefore && (await cases.deleteIf(key, revision))) removed++;
      continue;
    }
    if (value?.status !== CaseStatus.Closed || !value.closed || value.closed.at >= closedBefore) continue;
    if (await replaceByTombstone(cases, key, closedBefore, options.now)) tombstoned++;
  }
  return { tombstoned, removed };
}

/** Writes the tombstone of one case if it is still closed since before `closedBefore`; false otherwise. */
async function replaceByTombstone(cases: JsonBucket<StoredCase>, key: string, closedBefore: number, now: number): Promise<boolean> {
  let wrote = false;
  try {
    await cases.update(key, (cur) => {
      wrote = false;
      // Re-checked on the value the compare-and-set is against: a reopened case, or one with messages to publish, stays.
      if (!cur || isTombstone(cur) || cur.status !== CaseStatus.Closed || !cur.closed || cur.closed.at >= closedBefore || cur.outbox.length > 0) return undefined;
      wrote = true;
      return tombstoneOf({ ...cur, closed: cur.closed }, now);
    });
  } catch (err) {
    // A value that is not a case is left as it is (the read of the case bucket warns about it).
    if (err instanceof BucketValueError) return false;
    throw err;
  }
  return wrote;
}
