import { type Bus, readStream } from '@relay/bus';
import { decodeMessage, Header, NoticeKind, parseSubject, RelayType, StatusAction, StreamName, SubjectRoot } from '@relay/wire';

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

function statusSender(subject: string): string | undefined {
  const archived = `${SubjectRoot.Archive}.status.`;
  if (subject.startsWith(archived)) return subject.slice(archived.length);
  const parsed = parseSubject(subject);
  return parsed.kind === 'status' ? parsed.hotline : undefined;
}

/**
 * Reads referrals, relocation-wave notices and removal statuses from
 * REFERRALS, NOTICES, STATUS and the anonymised ARCHIVE, as `readFacts` does
 * (an ARCHIVE copy of a message still stored is not read twice). Only stream
 * contents count, never a bucket: the same streams, replayed into an empty
 * server, give the same facts. Messages that do not decode are skipped.
 */
export async function readHosterFacts(bus: Bus): Promise<HosterFacts> {
  const referrals = new Map<string, HosterReferral>();
  const waves = new Map<string, WaveFact>();
  const removals: RemovalFact[] = [];
  const stored = new Set<string>();
  for (const stream of [StreamName.Referrals, StreamName.Notices, StreamName.Status, StreamName.Archive] as const) {
    for await (const m of readStream(bus, { stream })) {
      if (stream !== StreamName.Archive) stored.add(`archive:${stream}:${m.seq}`);
      else if (stored.has(m.headers[Header.MsgId] ?? '')) continue;
      try {
        const type = m.headers[Header.Type];
        if (type === RelayType.Referral) {
          const r = decodeMessage(RelayType.Referral, m.data);
          if (referrals.has(r.id)) continue;
          referrals.set(r.id, {
            id: r.id,
            caseId: r.caseId,
            jurisdiction: r.jurisdiction,
            hotline: r.hotline,
            asn: r.hosting?.asn ?? 0,
            asOrganisation: r.hosting?.asOrganisation ?? '',
            domain: r.hosting?.registrableDomain ?? '',
            issuedAt: r.issuedAt?.getTime() ?? m.time.getTime(),
            supersedes: r.supersedes,
          });
        } else if (type === RelayType.Notice) {
          const n = decodeMessage(RelayType.Notice, m.data);
          const w = n.wave;
          if (n.kind !== NoticeKind.NOTICE_KIND_HOSTER_RELOCATED || !w) continue;
          const seen = waves.get(w.waveId);
          if (seen && seen.revision >= w.revision) continue;
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
        } else if (type === RelayType.StatusUpdate) {
          const sender = statusSender(m.subject);
          if (sender === undefined) continue;
          const u = decodeMessage(RelayType.StatusUpdate, m.data);
          if (REMOVED.has(u.action) && u.hotline === sender) removals.push({ sender, referralId: u.referralId, occurredAt: u.occurredAt?.getTime() ?? m.time.getTime() });
        }
      } catch {
        continue;
      }
    }
  }
  return { referrals: [...referrals.values()], waves: [...waves.values()], removals };
}
