import { type Bus, type JsonBucket, openJsonBucket } from '@relay/bus';
import { KvBucket } from '@relay/wire';
import { type CaseState, caseSchema, type CaseTombstone, type StoredCase, tombstoneSchema } from './case-state.js';

/** True when a stored value says it is a tombstone (decision 0118), before any parsing. */
export function isTombstoneValue(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && 'tombstone' in raw;
}

/** Parses a stored value as a tombstone when it says it is one, else as a case. */
export function parseStoredCase(raw: unknown): StoredCase {
  return isTombstoneValue(raw) ? tombstoneSchema.parse(raw) : caseSchema.parse(raw);
}

/** True for a tombstone. */
export function isTombstone(c: StoredCase): c is CaseTombstone {
  return 'tombstone' in c;
}

/** Parses a stored value as a case; a tombstone reads as no case. */
export function parseCase(raw: unknown): CaseState | undefined {
  return isTombstoneValue(raw) ? undefined : caseSchema.parse(raw);
}

/** Opens KV `relay-cases` (created by `ensureTopology`) with every value parsed as a case or tombstone. */
export function openCaseBucket(bus: Bus): Promise<JsonBucket<StoredCase>> {
  return openJsonBucket(bus, KvBucket.Cases, parseStoredCase);
}

/**
 * Opens KV `relay-cases` reading values through `view` (one of ./views.ts, or
 * `caseSchema`); a tombstone reads as undefined.
 */
export function openCaseView<T>(bus: Bus, view: { parse(raw: unknown): T }): Promise<JsonBucket<T | undefined>> {
  return openJsonBucket(bus, KvBucket.Cases, (raw) => (isTombstoneValue(raw) ? undefined : view.parse(raw)));
}
