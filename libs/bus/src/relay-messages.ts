import type { Bus } from './connection.js';
import { readStream } from './read.js';
import { decodeMessage, Header, type Notice, parseSubject, type Referral, RelayType, type StatusUpdate, StreamName, SubjectRoot } from '@relay/wire';

/** What {@link readRelayMessages} hands over, per kind; `storedAt` is when the stream stored it, ms. */
export interface RelayMessageVisitor {
  referral?(r: Referral, storedAt: number): void;
  notice?(n: Notice, storedAt: number): void;
  /** `sender`: the hotline whose subject (`relay.status.<hotline>`, or its archived copy's) carried it. */
  status?(u: StatusUpdate, sender: string, storedAt: number): void;
}

/** The hotline whose subject carried a status: `relay.status.<hotline>`, or its archived copy's `relay.archive.status.<hotline>`. */
function statusSender(subject: string): string | undefined {
  const archived = `${SubjectRoot.Archive}.status.`;
  if (subject.startsWith(archived)) return subject.slice(archived.length);
  const parsed = parseSubject(subject);
  return parsed.kind === 'status' ? parsed.hotline : undefined;
}

/**
 * Reads every referral, notice and status update in REFERRALS, NOTICES,
 * STATUS and the anonymised ARCHIVE (`relay.archive.>`, decisions 0006,
 * 0106), whose keyed ids join among themselves as the originals do, and
 * hands each to `visit`. An ARCHIVE copy of a message still stored (a
 * retention run cut off between copy and erase) is not handed over again:
 * its msgId names the original's stream and sequence. Messages that do not
 * decode are skipped (they are in the DLQ). Only stream contents count, so
 * the same streams replayed into an empty server give the same messages.
 */
export async function readRelayMessages(bus: Bus, visit: RelayMessageVisitor): Promise<void> {
  const stored = new Set<string>();
  for (const stream of [StreamName.Referrals, StreamName.Notices, StreamName.Status, StreamName.Archive] as const) {
    for await (const m of readStream(bus, { stream })) {
      if (stream !== StreamName.Archive) stored.add(`archive:${stream}:${m.seq}`);
      else if (stored.has(m.headers[Header.MsgId] ?? '')) continue;
      const storedAt = m.time.getTime();
      try {
        const type = m.headers[Header.Type];
        if (type === RelayType.Referral) visit.referral?.(decodeMessage(RelayType.Referral, m.data), storedAt);
        else if (type === RelayType.Notice) visit.notice?.(decodeMessage(RelayType.Notice, m.data), storedAt);
        else if (type === RelayType.StatusUpdate) {
          const sender = statusSender(m.subject);
          if (sender !== undefined) visit.status?.(decodeMessage(RelayType.StatusUpdate, m.data), sender, storedAt);
        }
      } catch {
        continue;
      }
    }
  }
}
