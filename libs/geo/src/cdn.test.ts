import { describe, expect, it } from 'vitest';
import { CDN_OPERATORS, createCdnCatalogue, GeoDataError, parseAddress } from './index.js';

const catalogue = createCdnCatalogue();
const operatorAt = (ip: string, asn: number) => catalogue.operatorOf(parseAddress(ip), asn)?.name;

describe('CDN and reverse-proxy detection', () => {
  it('lists every operator the issue names, each with its country and source', () => {
    const names = CDN_OPERATORS.map((o) => o.name);
    for (const n of ['Cloudflare', 'Akamai', 'Fastly', 'Amazon CloudFront', 'Google', 'DDoS-Guard', 'Sucuri', 'StormWall', 'Imperva']) {
      expect(names).toContain(n);
    }
    expect(CDN_OPERATORS.every((o) => /^[A-Z]{2}$/.test(o.country) && o.source.length > 0)).toBe(true);
  });

  it.each([
    ['1.1.1.1', 13335, 'Cloudflare'],
    ['2606:4700::1111', 13335, 'Cloudflare'],
    ['2.16.0.1', 20940, 'Akamai'],
    ['151.101.1.1', 54113, 'Fastly'],
    ['45.10.240.1', 57724, 'DDoS-Guard'],
    ['66.248.200.1', 30148, 'Sucuri'],
    ['5.252.32.1', 59796, 'StormWall'],
    ['45.60.0.1', 19551, 'Imperva'],
    ['142.250.0.1', 15169, 'Google'],
  ])('recognises %s (AS%i) as %s by its ASN', (ip, asn, name) => {
    expect(operatorAt(ip, asn)).toBe(name);
  });

  it('recognises CloudFront by its prefixes but leaves the rest of Amazon (EC2) as a real host', () => {
    expect(operatorAt('13.224.0.1', 16509)).toBe('Amazon CloudFront');
    expect(operatorAt('2600:9000:2000::1', 16509)).toBe('Amazon CloudFront');
    expect(operatorAt('3.120.0.1', 16509)).toBeUndefined();
    expect(operatorAt('3.159.255.255', 16509)).toBeUndefined();
  });

  it('does not mask ordinary hosters, Linode or Google Cloud', () => {
    expect(operatorAt('185.107.56.1', 43350)).toBeUndefined();
    expect(operatorAt('139.162.0.1', 63949)).toBeUndefined();
    expect(operatorAt('34.90.0.1', 396982)).toBeUndefined();
  });

  it('refuses operator data that is malformed or claims one ASN twice', () => {
    const base = { name: 'X', company: 'X Ltd', country: 'NL', kind: 'cdn', asns: [64500], source: 'test' } as const;
    expect(() => createCdnCatalogue([{ ...base, country: 'nl' }])).toThrow(GeoDataError);
    expect(() => createCdnCatalogue([{ ...base, prefixes: ['10.0.0.0/33'] }])).toThrow(/prefixes/);
    expect(() => createCdnCatalogue([base, { ...base, name: 'Y' }])).toThrow(/AS64500 is listed for both X and Y/);
  });
});
