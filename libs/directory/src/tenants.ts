import type { TenantList } from '@relay/bus';
import { UNKNOWN_COUNTRY } from '@relay/wire';
import type { Directory } from './directory.js';

/**
 * Every tenant the directory names: each confirmed hotline (its referrals and
 * the notices addressed to it), the fallback recipient (its referrals and its
 * notices from every country), the police of every country with a police
 * liaison or a hotline, and every authority that can order removal (it
 * receives deadline escalations). A hotline whose membership is not confirmed
 * is left out, so it gets no NATS user and no consumer until an operator
 * confirms it (decisions 0030, 0091).
 */
export function tenantsOf(directory: Directory): TenantList {
  const d = directory.data;
  return {
    hotlines: [
      ...d.hotlines.filter((h) => directory.confirmed(h.id)).map((h) => ({ id: h.id, country: h.country })),
      { id: d.fallback.recipient, country: UNKNOWN_COUNTRY, fallback: true },
    ],
    policeCountries: [...new Set([...d.police.map((p) => p.country), ...d.hotlines.map((h) => h.country)])].sort(),
    authorityCountries: [...new Set(d.authorities.filter((a) => a.removalOrders).map((a) => a.country))].sort(),
  };
}
