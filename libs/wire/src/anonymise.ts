import { createHmac } from 'node:crypto';
import type { HostingObservation, ResolvedAddress } from './gen/relay/v1/hosting.js';
import type { Notice } from './gen/relay/v1/notice.js';
import type { Referral } from './gen/relay/v1/referral.js';

/** Marks a value replaced by its keyed hash. */
export const ANONYMISED_PREFIX = 'anon:';

/**
 * Replaces a personal value (URL, host, IP address, domain) by a keyed hash:
 * the same value under the same key always gives the same token, so counts
 * per site survive, but without the key nobody can tell which site it was.
 * Empty stays empty; an already anonymised value is left alone.
 */
export function keyedHash(key: Uint8Array, value: string): string {
  if (value === '' || value.startsWith(ANONYMISED_PREFIX)) return value;
  return ANONYMISED_PREFIX + createHmac('sha256', key).update(value).digest('hex').slice(0, 32);
}

function anonymiseAddress(key: Uint8Array, a: ResolvedAddress): ResolvedAddress {
  return { ...a, ip: keyedHash(key, a.ip) };
}

function anonymiseHosting(key: Uint8Array, h: HostingObservation | undefined): HostingObservation | undefined {
  if (!h) return h;
  return {
    ...h,
    url: keyedHash(key, h.url),
    normalizedUrl: keyedHash(key, h.normalizedUrl),
    host: keyedHash(key, h.host),
    registrableDomain: keyedHash(key, h.registrableDomain),
    cnameChain: h.cnameChain.map((c) => keyedHash(key, c)),
    addresses: h.addresses.map((a) => anonymiseAddress(key, a)),
    // The resolver's error text may quote the host name.
    ...(h.error ? { error: { ...h.error, detail: '' } } : {}),
  };
}

/**
 * A referral with URL, host names and IP addresses replaced by keyed hashes;
 * jurisdiction, hotline, reason, classification, AS, CDN, deadlines and times
 * are kept for statistics.
 */
export function anonymiseReferral(key: Uint8Array, r: Referral): Referral {
  return { ...r, url: keyedHash(key, r.url), hosting: anonymiseHosting(key, r.hosting) };
}

/** A notice anonymised like {@link anonymiseReferral}; its free-text summary is dropped. */
export function anonymiseNotice(key: Uint8Array, n: Notice): Notice {
  return {
    ...n,
    url: keyedHash(key, n.url),
    hostingBefore: anonymiseHosting(key, n.hostingBefore),
    hostingAfter: anonymiseHosting(key, n.hostingAfter),
    summary: '',
  };
}
