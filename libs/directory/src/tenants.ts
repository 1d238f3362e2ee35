import type { TenantList } from '@relay/bus';
import { UNKNOWN_COUNTRY } from '@relay/wire';
import type { Directory } from './directory.js';

/**
 * Every tenant the directory names: each hotline (its referrals and its
 * country's hotline notices), the fallback recipient (referrals only), the
 * police of every country with a police liaison or a hotline, and every
 * authority that can order removal (it receives deadline escalations).
 */
export function tenantsOf(directory: Directory): TenantList {
  const d = directory.data;
  return {
    hotlines: [
      ...d.hotlines.map((h) => ({ id: h.id, country: h.country })),
      { id: d.fallback.recipient, country: UNKNOWN_COUNTRY, notices: false },
    ],
    policeCountries: [...new Set([...d.police.map((p) => p.country), ...d.hotlines.map((h) => h.country)])].sort(),
    authorityCountries: [...new Set(d.authorities.filter((a) => a.removalOrders).map((a) => a.country))].sort(),
  };
}
