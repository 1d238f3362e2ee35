import type { Bus } from './connection.js';
import { readRelayMessages } from './relay-messages.js';
import type { StatusAction } from '@relay/wire';

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

/**
 * Reads referrals, notices and status updates from REFERRALS, NOTICES, STATUS
 * and the anonymised ARCHIVE, each once ({@link readRelayMessages}).
 */
export async function readFacts(bus: Bus): Promise<Facts> {
  const referrals = new Map<string, ReferralFact>();
  const notices = new Map<string, NoticeFact>();
  const statuses: StatusFact[] = [];
  await readRelayMessages(bus, {
    referral: (r, storedAt) => {
      if (referrals.has(r.id)) return;
      referrals.set(r.id, {
        id: r.id,
        jurisdiction: r.jurisdiction,
        hotline: r.hotline,
        hoster: r.hosting?.asOrganisation ?? '',
        issuedAt: r.issuedAt?.getTime() ?? storedAt,
        supersedes: r.supersedes,
      });
    },
    notice: (n, storedAt) => {
      if (!notices.has(n.id)) notices.set(n.id, { id: n.id, country: n.country, hoster: n.hostingAfter?.asOrganisation ?? '', issuedAt: n.issuedAt?.getTime() ?? storedAt });
    },
    status: (u, sender, storedAt) => {
      statuses.push({ sender, hotline: u.hotline, referralId: u.referralId, action: u.action, occurredAt: u.occurredAt?.getTime() ?? storedAt });
    },
  });
  return { referrals: [...referrals.values()], notices: [...notices.values()], statuses };
}
