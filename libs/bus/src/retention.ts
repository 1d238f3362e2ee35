import {
  anonymiseNotice,
  anonymiseReferral,
  decodeMessage,
  Header,
  isRelayType,
  RelayType,
  StreamName,
  subjects,
} from '@relay/wire';
import { type Bus, internals } from './connection.js';
import { publishMessage } from './publish.js';
import { readStream } from './read.js';

/** Settings of {@link applyRetention}. */
export interface RetentionOptions {
  /** Referrals and notices older than this are anonymised, ms. */
  readonly anonymiseAfterMs: number;
  /** HMAC key for the keyed hashes (keep it secret; rotate to unlink old tokens). */
  readonly key: Uint8Array;
  readonly now?: Date;
}

/** What one retention run did. */
export interface RetentionReport {
  readonly referrals: number;
  readonly notices: number;
  /** Messages skipped because they could not be decoded (they stay, and are in the DLQ). */
  readonly skipped: number;
}

/**
 * Moves referrals and notices older than `anonymiseAfterMs` to ARCHIVE with
 * URLs, hosts and IPs replaced by keyed hashes, then erases the originals (the
 * data is overwritten on disk). Copy first, erase after: a crash in between
 * leaves a copy the next run recognises by its msgId, so runs are idempotent
 * and safe to repeat from several replicas.
 */
export async function applyRetention(bus: Bus, options: RetentionOptions): Promise<RetentionReport> {
  const { jsm } = internals(bus);
  const endTime = new Date((options.now ?? new Date()).getTime() - options.anonymiseAfterMs);
  const counts = { referrals: 0, notices: 0, skipped: 0 };
  for (const stream of [StreamName.Referrals, StreamName.Notices] as const) {
    const due: number[] = [];
    for await (const m of readStream(bus, { stream, endTime })) {
      const type = m.headers[Header.Type] ?? '';
      const msgId = `archive:${stream}:${m.seq}`;
      if (!isRelayType(type) || (type !== RelayType.Referral && type !== RelayType.Notice)) {
        counts.skipped++;
        continue;
      }
      try {
        if (type === RelayType.Referral) {
          const r = anonymiseReferral(options.key, decodeMessage(RelayType.Referral, m.data));
          await publishMessage(bus, subjects.archive('referral', r.jurisdiction || 'XX'), RelayType.Referral, r, { msgId, origin: 'retention' });
          counts.referrals++;
        } else {
          const n = anonymiseNotice(options.key, decodeMessage(RelayType.Notice, m.data));
          await publishMessage(bus, subjects.archive('notice', n.country || 'XX'), RelayType.Notice, n, { msgId, origin: 'retention' });
          counts.notices++;
        }
        due.push(m.seq);
      } catch (err) {
        if (err instanceof Error && err.name === 'DecodeError') counts.skipped++;
        else throw err;
      }
    }
    for (const seq of due) await jsm.streams.deleteMessage(stream, seq, true);
  }
  return counts;
}
