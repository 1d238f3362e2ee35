import { type Bus, readRelayMessages } from '@relay/bus';
import { NoticeKind, StatusAction } from '@relay/wire';

/** What the hoster figures need of a referral (none of it personal after anonymisation: ids and domains are keyed alike). */
export interface HosterReferral {
  readonly id: string;
  readonly caseId: string;
  readonly jurisdiction: string;
  readonly hotline: string;
  readonly asn: number;
  readonly asOrganisation: string;
  /** Registrable domain of the site ('' for an IP literal). */
  readonly domain: string;
  /** ms. */
  readonly issuedAt: number;
  readonly supersedes: string;
}

/** The latest revision seen of one relocation wave (HOSTER_RELOCATED notices, any recipient). */
export interface WaveFact {
  readonly waveId: string;
  readonly revision: number;
  readonly from: string;
  readonly to: string;
  readonly asn: number;
  readonly asOrganisation: string;
  readonly caseCount: number;
  readonly domainCount: number;
  /** ms. */
  readonly firstMoveAt: number;
}

/** The first closing removal status (CR or CU) a hotline sent for a referral, ms. */
export interface RemovalFact {
  readonly sender: string;
  readonly referralId: string;
  readonly occurredAt: number;
}

/** Everything the hoster figures are computed from. */
export interface HosterFacts {
  readonly referrals: readonly HosterReferral[];
  readonly waves: readonly WaveFact[];
  readonly removals: readonly RemovalFact[];
}

const REMOVED: ReadonlySet<StatusAction> = new Set([StatusAction.STATUS_ACTION_CR, StatusAction.STATUS_ACTION_CU]);

/**
 * Reads referrals, relocation-wave notices and removal statuses from
 * REFERRALS, NOTICES, STATUS and the anonymised ARCHIVE, each once
 * (`readRelayMessages`). Only stream contents count, never a bucket: the same
 * streams, replayed into an empty server, give the same facts.
 */
export async function readHosterFacts(bus: Bus): Promise<HosterFacts> {
  const referrals = new Map<string, HosterReferral>();
  const waves = new Map<string, WaveFact>();
  const removals: RemovalFact[] = [];
  await readRelayMessages(bus, {
    referral: (r, storedAt) => {
      if (referrals.has(r.id)) return;
      referrals.set(r.id, {
        id: r.id,
        caseId: r.caseId,
        jurisdiction: r.jurisdiction,
        hotline: r.hotline,
        asn: r.hosting?.asn ?? 0,
        asOrganisation: r.hosting?.asOrganisation ?? '',
        domain: r.hosting?.registrableDomain ?? '',
        issuedAt: r.issuedAt?.getTime() ?? storedAt,
        supersedes: r.supersedes,
      });
    },
    notice: (n) => {
      const w = n.wave;
      if (n.kind !== NoticeKind.NOTICE_KIND_HOSTER_RELOCATED || !w) return;
      const seen = waves.get(w.waveId);
      if (seen && seen.revision >= w.revision) return;
      waves.set(w.waveId, {
        waveId: w.waveId,
        revision: w.revision,
        from: w.countryFrom,
        to: w.countryTo,
        asn: w.hosterBefore?.asn ?? 0,
        asOrganisation: w.hosterBefore?.asOrganisation ?? '',
        caseCount: w.caseCount,
        domainCount: w.domainCount,
        firstMoveAt: w.firstMoveAt?.getTime() ?? 0,
      });
    },
    status: (u, sender, storedAt) => {
      if (REMOVED.has(u.action) && u.hotline === sender) removals.push({ sender, referralId: u.referralId, occurredAt: u.occurredAt?.getTime() ?? storedAt });
    },
  });
  return { referrals: [...referrals.values()], waves: [...waves.values()], removals };
}
