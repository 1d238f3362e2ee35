import { createHmac } from 'node:crypto';
import type { Hash } from './gen/relay/v1/common.js';
import type { HostingObservation, ObservationCause, ResolvedAddress } from './gen/relay/v1/hosting.js';
import type { Notice, NoticeFiles } from './gen/relay/v1/notice.js';
import type { Referral } from './gen/relay/v1/referral.js';
import type { StatusUpdate } from './gen/relay/v1/status.js';

/** Marks a value replaced by its keyed hash. */
export const ANONYMISED_PREFIX = 'anon:';

/**
 * Replaces a personal value (URL, host, IP address, domain) or an id derived
 * from one (case, referral, notice, observation, report and recheck ids are
 * unkeyed SHA-256 of the URL or the reporter's id, libs/wire `deriveId`) by a
 * keyed hash: the same value under the same key always gives the same token,
 * so counts per site and per case survive, but without the key nobody can
 * tell which site it was, nor recompute the token from a list of URLs.
 * Empty stays empty; an already anonymised value is left alone.
 */
export function keyedHash(key: Uint8Array, value: string): string {
  if (value === '' || value.startsWith(ANONYMISED_PREFIX)) return value;
  return ANONYMISED_PREFIX + createHmac('sha256', key).update(value).digest('hex').slice(0, 32);
}

/**
 * The anonymisation key from a key file's bytes, without surrounding
 * whitespace: `openssl rand -hex 32 > key` and the same key saved by an editor
 * give the same tokens, in the dispatcher and in `relay retention apply` alike.
 */
export function anonymisationKey(file: Uint8Array): Uint8Array {
  return new TextEncoder().encode(Buffer.from(file).toString('latin1').trim());
}

function anonymiseAddress(key: Uint8Array, a: ResolvedAddress): ResolvedAddress {
  return { ...a, ip: keyedHash(key, a.ip) };
}

/** Digests name the files seen at a URL: the archive keeps how many of which kind, not the values. */
function withoutDigests(hashes: readonly Hash[]): Hash[] {
  return hashes.map((h) => ({ ...h, value: Buffer.alloc(0) }));
}

function anonymiseCause(key: Uint8Array, c: ObservationCause | undefined): ObservationCause | undefined {
  switch (c?.cause?.$case) {
    case undefined:
      return c;
    case 'report': {
      const r = c.cause.value;
      return {
        cause: {
          $case: 'report',
          value: {
            ...r,
            reportId: keyedHash(key, r.reportId),
            sourceReportId: keyedHash(key, r.sourceReportId),
            hashes: withoutDigests(r.hashes),
            ...(r.supplements === undefined ? {} : { supplements: keyedHash(key, r.supplements) }),
          },
        },
      };
    }
    case 'recheck': {
      const r = c.cause.value;
      return { cause: { $case: 'recheck', value: { ...r, recheckId: keyedHash(key, r.recheckId), caseId: keyedHash(key, r.caseId) } } };
    }
  }
}

function anonymiseHosting(key: Uint8Array, h: HostingObservation | undefined): HostingObservation | undefined {
  if (!h) return h;
  return {
    ...h,
    id: keyedHash(key, h.id),
    url: keyedHash(key, h.url),
    normalizedUrl: keyedHash(key, h.normalizedUrl),
    host: keyedHash(key, h.host),
    registrableDomain: keyedHash(key, h.registrableDomain),
    cnameChain: h.cnameChain.map((c) => keyedHash(key, c)),
    addresses: h.addresses.map((a) => anonymiseAddress(key, a)),
    // The resolver's error text may quote the host name.
    ...(h.error ? { error: { ...h.error, detail: '' } } : {}),
    cause: anonymiseCause(key, h.cause),
  };
}

function anonymiseFiles(key: Uint8Array, f: NoticeFiles | undefined): NoticeFiles | undefined {
  return f && { ...f, reportId: keyedHash(key, f.reportId), hashes: withoutDigests(f.hashes) };
}

/**
 * A referral with URL, host names, IP addresses and every id derived from
 * them replaced by keyed hashes and the file digests emptied; jurisdiction,
 * hotline, sources, reason, classification, AS, CDN, deadlines and times are
 * kept for statistics.
 */
export function anonymiseReferral(key: Uint8Array, r: Referral): Referral {
  return {
    ...r,
    id: keyedHash(key, r.id),
    caseId: keyedHash(key, r.caseId),
    reportId: keyedHash(key, r.reportId),
    supersedes: keyedHash(key, r.supersedes),
    url: keyedHash(key, r.url),
    hashes: withoutDigests(r.hashes),
    hosting: anonymiseHosting(key, r.hosting),
  };
}

/** A notice anonymised like {@link anonymiseReferral}; its free-text summary is dropped. */
export function anonymiseNotice(key: Uint8Array, n: Notice): Notice {
  return {
    ...n,
    id: keyedHash(key, n.id),
    referralId: keyedHash(key, n.referralId),
    caseId: keyedHash(key, n.caseId),
    url: keyedHash(key, n.url),
    hostingBefore: anonymiseHosting(key, n.hostingBefore),
    hostingAfter: anonymiseHosting(key, n.hostingAfter),
    summary: '',
    files: anonymiseFiles(key, n.files),
    // A relocation wave keeps its hosters, countries, counts and times; its cases and domains are keyed.
    ...(n.wave ? { wave: { ...n.wave, caseIds: n.wave.caseIds.map((c) => keyedHash(key, c)), domains: n.wave.domains.map((d) => keyedHash(key, d)) } } : {}),
  };
}

/**
 * A status update with its ids keyed like {@link anonymiseReferral} (so it
 * still names its archived referral) and the analyst's free-text note dropped.
 */
export function anonymiseStatus(key: Uint8Array, s: StatusUpdate): StatusUpdate {
  return { ...s, id: keyedHash(key, s.id), referralId: keyedHash(key, s.referralId), caseId: keyedHash(key, s.caseId), note: '' };
}
