import type { Bus } from './connection.js';
import { readStream } from './read.js';
import { decodeMessage, Header, parseSubject, RelayType, type StatusAction, StreamName, SubjectRoot } from '@relay/wire';

/** What statistics need of a referral (none of it personal: it survives anonymisation). */
export interface ReferralFact {
  readonly id: string;
  readonly jurisdiction: string;
  readonly hotline: string;
  /** AS organisation of the hoster it was routed on ('' when unknown). */
  readonly hoster: string;
  /** When the dispatcher issued it, ms. */
  readonly issuedAt: number;
  /** The referral it replaced ('' for a first referral). */
  readonly supersedes: string;
}

/** What statistics need of a notice. */
export interface NoticeFact {
  readonly id: string;
  /** Recipient country. */
  readonly country: string;
  /** AS organisation of the hoster after the event ('' when unknown). */
  readonly hoster: string;
  readonly issuedAt: number;
}

/** A hotline's status update, as it was published. */
export interface StatusFact {
  /** The hotline whose subject (`relay.status.<hotline>`) carried it. */
  readonly sender: string;
  /** The hotline the update names. */
  readonly hotline: string;
  readonly referralId: string;
  readonly action: StatusAction;
  /** When the hotline says it happened (else when it was stored), ms. */
  readonly occurredAt: number;
}

/** Everything statistics are computed from. */
export interface Facts {
  readonly referrals: readonly ReferralFact[];
  readonly notices: readonly NoticeFact[];
  readonly statuses: readonly StatusFact[];
}

/** The hotline whose subject carried a status: `relay.status.<hotline>`, or its archived copy's `relay.archive.status.<hotline>`. */
function statusSender(subject: string): string | undefined {
  const archived = `${SubjectRoot.Archive}.status.`;
  if (subject.startsWith(archived)) return subject.slice(archived.length);
  const parsed = parseSubject(subject);
  return parsed.kind === 'status' ? parsed.hotline : undefined;
}

/**
 * Reads referrals, notices and status updates from REFERRALS, NOTICES, STATUS
 * and the anonymised ARCHIVE (`relay.archive.>`, decisions 0006, 0106), whose
 * keyed ids join among themselves as the originals do. An ARCHIVE copy of a
 * message still stored (a retention run cut off between copy and erase) is
 * not counted again: its msgId names the original's stream and sequence.
 * Messages that do not decode are skipped (they are in the DLQ).
 */
export async function readFacts(bus: Bus): Promise<Facts> {
  const referrals = new Map<string, ReferralFact>();
  const notices = new Map<string, NoticeFact>();
  const statuses: StatusFact[] = [];
  const stored = new Set<string>();
  for (const stream of [StreamName.Referrals, StreamName.Notices, StreamName.Status, StreamName.Archive] as const) {
    for await (const m of readStream(bus, { stream })) {
      if (stream !== StreamName.Archive) stored.add(`archive:${stream}:${m.seq}`);
      else if (stored.has(m.headers[Header.MsgId] ?? '')) continue;
      try {
        const type = m.headers[Header.Type];
        if (type === RelayType.Referral) {
          const r = decodeMessage(RelayType.Referral, m.data);
          if (!referrals.has(r.id)) {
            referrals.set(r.id, {
              id: r.id,
              jurisdiction: r.jurisdiction,
              hotline: r.hotline,
              hoster: r.hosting?.asOrganisation ?? '',
              issuedAt: r.issuedAt?.getTime() ?? m.time.getTime(),
              supersedes: r.supersedes,
            });
          }
        } else if (type === RelayType.Notice) {
          const n = decodeMessage(RelayType.Notice, m.data);
          if (!notices.has(n.id)) {
            notices.set(n.id, { id: n.id, country: n.country, hoster: n.hostingAfter?.asOrganisation ?? '', issuedAt: n.issuedAt?.getTime() ?? m.time.getTime() });
          }
        } else if (type === RelayType.StatusUpdate) {
          const sender = statusSender(m.subject);
          if (sender === undefined) continue;
          const u = decodeMessage(RelayType.StatusUpdate, m.data);
          statuses.push({ sender, hotline: u.hotline, referralId: u.referralId, action: u.action, occurredAt: u.occurredAt?.getTime() ?? m.time.getTime() });
        }
      } catch {
        continue;
      }
    }
  }
  return { referrals: [...referrals.values()], notices: [...notices.values()], statuses };
}
