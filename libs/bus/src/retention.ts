import {
  anonymiseNotice,
  anonymiseReferral,
  anonymiseStatus,
  decodeMessage,
  Header,
  isDecodeError,
  parseSubject,
  RelayType,
  StreamName,
  SubjectRoot,
  subjects,
} from '@relay/wire';
import { type Bus, internals } from './connection.js';
import type { ConsumerSpec } from './consumer.js';
import { publishMessage } from './publish.js';
import { getStoredMessage, nextStoredMessage, type StoredMessage } from './read.js';
import { holdersOf, readersOf } from './retention-readers.js';

/** Settings of {@link applyRetention}. */
export interface RetentionOptions {
  /** Referrals, notices and status updates older than this are anonymised, ms. */
  readonly anonymiseAfterMs: number;
  /** HMAC key for the keyed hashes (keep it secret; rotate to unlink old tokens). */
  readonly key: Uint8Array;
  readonly now?: Date;
  /**
   * Consumers that must deliver before anything they select is erased, even
   * when they do not exist yet: the tenants' of the directory in force
   * (`tenantConsumerSpecs`). Consumers that exist are found on the server.
   */
  readonly readers?: readonly ConsumerSpec[];
}

/** Messages past the period that a consumer has not acknowledged yet: they stay until it has. */
export interface RetentionWait {
  readonly stream: StreamName;
  readonly consumer: string;
  readonly messages: number;
  /** The consumer does not exist yet (`relay topology apply` makes it). */
  readonly missing: boolean;
}

/** What one retention run did. */
export interface RetentionReport {
  readonly referrals: number;
  readonly notices: number;
  readonly statuses: number;
  /** Messages skipped because they could not be decoded (they stay, and are in the DLQ). */
  readonly skipped: number;
  /** Per consumer, what it has yet to acknowledge; empty when nothing waits. */
  readonly waiting: readonly RetentionWait[];
}

type Counted = 'referrals' | 'notices' | 'statuses';

/** What retention anonymises: each stream, what it holds, and how its copy is made. */
const ARCHIVED = [
  { stream: StreamName.Referrals, filter: `${SubjectRoot.Referral}.>`, type: RelayType.Referral, counted: 'referrals' },
  { stream: StreamName.Notices, filter: `${SubjectRoot.Notice}.>`, type: RelayType.Notice, counted: 'notices' },
  { stream: StreamName.Status, filter: `${SubjectRoot.Status}.>`, type: RelayType.StatusUpdate, counted: 'statuses' },
] as const;

/** Publishes the anonymised copy of one stored message to ARCHIVE; false when it is not of its stream's type. */
async function archiveCopy(bus: Bus, key: Uint8Array, m: StoredMessage, type: (typeof ARCHIVED)[number]['type']): Promise<boolean> {
  if (m.headers[Header.Type] !== type) return false;
  // Never derived from the original's ids or headers: those are unkeyed hashes of the URL.
  const options = { msgId: `archive:${m.stream}:${m.seq}`, origin: 'retention' };
  switch (type) {
    case RelayType.Referral: {
      const r = anonymiseReferral(key, decodeMessage(type, m.data));
      await publishMessage(bus, subjects.archive('referral', r.jurisdiction || 'XX'), type, r, options);
      return true;
    }
    case RelayType.Notice: {
      const n = anonymiseNotice(key, decodeMessage(type, m.data));
      await publishMessage(bus, subjects.archive('notice', n.country || 'XX'), type, n, options);
      return true;
    }
    case RelayType.StatusUpdate: {
      const s = anonymiseStatus(key, decodeMessage(type, m.data));
      // Kept under the sender whose subject carried it: statistics take only the routed hotline's word.
      const sent = parseSubject(m.subject);
      await publishMessage(bus, subjects.archivedStatus(sent.kind === 'status' ? sent.hotline : s.hotline), type, s, options);
      return true;
    }
  }
}

/** Erases a message (its bytes are overwritten); one a concurrent run erased first is fine. */
async function erase(bus: Bus, m: StoredMessage): Promise<void> {
  try {
    await internals(bus).jsm.streams.deleteMessage(m.stream, m.seq, true);
  } catch (err) {
    if (await getStoredMessage(bus, m.stream as StreamName, m.seq)) throw err;
  }
}

/**
 * Moves referrals, notices and status updates older than `anonymiseAfterMs`
 * to ARCHIVE with URLs, hosts, IPs and every id derived from them replaced by
 * keyed hashes, then erases the originals (decision 0106). A message that a
 * durable consumer selecting it has not acknowledged yet (a tenant's, or the
 * dispatcher's own status consumer) is neither copied nor erased: it waits,
 * and the report says for whom. Copy first, erase after: a crash in between
 * leaves a copy the next run recognises by its msgId, so runs are idempotent
 * and safe to repeat from several replicas. Reads by sequence only
 * (`STREAM.MSG.GET`), never through a consumer.
 */
export async function applyRetention(bus: Bus, options: RetentionOptions): Promise<RetentionReport> {
  const endTime = new Date((options.now ?? new Date()).getTime() - options.anonymiseAfterMs);
  const counts: Record<Counted | 'skipped', number> = { referrals: 0, notices: 0, statuses: 0, skipped: 0 };
  const waiting: RetentionWait[] = [];
  for (const { stream, filter, type, counted } of ARCHIVED) {
    const readers = await readersOf(bus, stream, options.readers ?? []);
    const held = new Map<string, number>();
    for (let seq = 1; ; ) {
      const m = await nextStoredMessage(bus, stream, seq, filter);
      if (!m || m.time >= endTime) break;
      seq = m.seq + 1;
      const holders = holdersOf(readers, m.seq, m.subject);
      if (holders.length > 0) {
        for (const r of holders) held.set(r.name, (held.get(r.name) ?? 0) + 1);
        continue;
      }
      try {
        if (!(await archiveCopy(bus, options.key, m, type))) {
          counts.skipped++;
          continue;
        }
      } catch (err) {
        if (isDecodeError(err)) {
          counts.skipped++;
          continue;
        }
        throw err;
      }
      await erase(bus, m);
      counts[counted]++;
    }
    for (const r of readers) {
      const messages = held.get(r.name);
      if (messages !== undefined) waiting.push({ stream, consumer: r.name, messages, missing: r.missing });
    }
  }
  return { ...counts, waiting };
}
