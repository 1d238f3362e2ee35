// The hosting landscape of the pipeline bench: one real address per country
// of the directory (both datasets agree, no CDN) plus addresses of a few CDNs,
// found by looking seeded random addresses up in the embedded data, and a
// static zone of bench host names spread over them.
import { createCdnCatalogue, openGeo } from '@relay/geo';
import { randomIPv4s } from '../random-ip.js';

/** A bench host name and where the embedded data says it is hosted. */
export interface BenchHost {
  readonly name: string;
  readonly ip: string;
  readonly country: string;
  /** The CDN masking it, when one does. */
  readonly cdn?: string;
}

const CDNS = ['Cloudflare', 'Fastly', 'Akamai', 'Amazon CloudFront'];

/**
 * One address per wanted country and per CDN that the scan finds within
 * `maxProbes` random public IPv4 addresses (small countries may be missing:
 * the result says which were found).
 */
export async function findAddresses(countries: readonly string[], maxProbes = 4_000_000): Promise<{ byCountry: Map<string, string>; byCdn: Map<string, string> }> {
  const geo = await openGeo({ cacheSize: 0 });
  const cdn = createCdnCatalogue();
  const wanted = new Set(countries);
  const byCountry = new Map<string, string>();
  const byCdn = new Map<string, string>();
  const addresses = randomIPv4s(2026);
  for (let i = 0; i < maxProbes && (byCountry.size < wanted.size || byCdn.size < CDNS.length); i++) {
    const ip = addresses.next().value;
    const f = geo.lookup(ip);
    if (f.unroutable || f.country === '' || f.asn === 0) continue;
    const operator = cdn.operatorOf(f.address, f.asn);
    if (operator) {
      if (CDNS.includes(operator.name) && !byCdn.has(operator.name)) byCdn.set(operator.name, ip);
    } else if (wanted.has(f.country) && f.country === f.countrySecondary && !byCountry.has(f.country)) {
      byCountry.set(f.country, ip);
    }
  }
  return { byCountry, byCdn };
}

/** `perTarget` host names for every address found: `h<i>.<cc|cdn>.bench.example`. */
export function benchHosts(found: { byCountry: Map<string, string>; byCdn: Map<string, string> }, perTarget: number): BenchHost[] {
  const hosts: BenchHost[] = [];
  for (const [country, ip] of found.byCountry) {
    for (let i = 0; i < perTarget; i++) hosts.push({ name: `h${i}.${country.toLowerCase()}.bench.example`, ip, country });
  }
  for (const [cdn, ip] of found.byCdn) {
    const label = cdn.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    for (let i = 0; i < perTarget; i++) hosts.push({ name: `h${i}.${label}.bench.example`, ip, country: '', cdn });
  }
  return hosts;
}

/** The static zone (`RELAY_DNS_ZONE_FILE`) that resolves every bench host. */
export function zoneOf(hosts: readonly BenchHost[]): unknown {
  return { records: Object.fromEntries(hosts.map((h) => [h.name, { a: [h.ip], ttl: 3600 }])) };
}
