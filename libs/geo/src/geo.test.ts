import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  asnOfRecord,
  Confidence,
  countryOfRecord,
  createGeo,
  EMBEDDED_DATASETS,
  embeddedDatasetPath,
  GeoDataError,
  type GeoLookup,
  InvalidAddressError,
  loadEmbeddedAsn,
  openCountryDatabase,
  openGeo,
} from './index.js';

let geo: GeoLookup;
beforeAll(async () => {
  geo = await openGeo();
});

describe('IP -> country and network from the embedded data', () => {
  it.each([
    ['NForce (NL)', '185.107.56.1', 'NL', 43350, 'NForce Entertainment B.V.'],
    ['Google DNS (US)', '8.8.8.8', 'US', 15169, 'Google LLC'],
    ['OVH (FR)', '51.38.0.1', 'FR', 16276, 'OVH SAS'],
    ['Hetzner (DE)', '5.9.0.1', 'DE', 24940, 'Hetzner Online GmbH'],
    ['Leaseweb (NL)', '5.79.64.1', 'NL', 60781, 'LeaseWeb Netherlands B.V.'],
    ['Hetzner over IPv6 (DE)', '2a01:4f8::1', 'DE', 24940, 'Hetzner Online GmbH'],
    ['OVH over IPv6 (FR)', '2001:41d0::1', 'FR', 16276, 'OVH SAS'],
  ])('places %s: %s in %s, AS%i %s, both datasets agreeing', (_label, ip, country, asn, org) => {
    const f = geo.lookup(ip);
    expect(f).toMatchObject({ country, countrySecondary: country, confidence: Confidence.Agree, asn, asOrganisation: org, unroutable: false });
  });

  it('records both datasets when they disagree, and when one does not know the address', () => {
    expect(geo.lookup('185.178.211.1')).toMatchObject({ country: 'NL', countrySecondary: 'RU', confidence: Confidence.Disagree, asn: 49612 });
    expect(geo.lookup('1.1.1.1')).toMatchObject({ country: 'AU', countrySecondary: '', confidence: Confidence.OneMissing, asn: 13335 });
  });

  it('answers an IPv4-mapped or NAT64 IPv6 address for the IPv4 address inside it', () => {
    for (const ip of ['::ffff:185.107.56.1', '64:ff9b::b96b:3801', '2002:b96b:3801::1']) {
      expect(geo.lookup(ip)).toMatchObject({ country: 'NL', asn: 43350, unroutable: false });
    }
  });

  it.each([
    '0.0.0.0', '0.1.2.3', '10.1.2.3', '100.64.0.1', '127.0.0.1', '169.254.169.254', '172.16.5.4', '172.31.255.255',
    '192.0.0.1', '192.0.2.1', '192.88.99.1', '192.168.1.1', '198.18.0.1', '198.51.100.7', '203.0.113.9',
    '224.0.0.251', '239.255.255.250', '240.0.0.1', '255.255.255.255',
    '::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', 'fec0::1', '100::1', '2001:db8::1', '2001:2::1',
    '2001::1', '3fff::1', '5f00::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '64:ff9b::a00:1', '64:ff9b:1::1', '2002:a00:1::1',
  ])('never gives %s (private, reserved, loopback, link-local, multicast, documentation, CGNAT) a jurisdiction', (ip) => {
    const f = geo.lookup(ip);
    expect(f.unroutable).toBe(true);
    expect(f).toMatchObject({ country: '', countrySecondary: '', asn: 0, confidence: Confidence.None });
  });

  it('names the datasets in use with their releases', () => {
    expect(geo.sources.countryPrimary).toMatch(/^geo-whois-asn-country-mmdb \d/);
    expect(geo.sources.countrySecondary).toMatch(/^geolite2-country-mmdb \d/);
    expect(geo.sources.asn).toMatch(/^@ip-location-db\/asn \d/);
  });

  it('refuses text that is not an address', () => {
    expect(() => geo.lookup('not-an-ip')).toThrow(InvalidAddressError);
    expect(() => geo.lookup('3232235777')).toThrow(InvalidAddressError);
  });
});

describe('licensed MaxMind-format databases', () => {
  it('opens a country database from a path as the primary, keeping an independent secondary', async () => {
    const { path } = embeddedDatasetPath(EMBEDDED_DATASETS.countrySecondary);
    const licensed = await openGeo({ countryDbPath: path });
    expect(licensed.sources.countryPrimary).toMatch(/^geolite2-country\.mmdb/);
    expect(licensed.sources.countrySecondary).toMatch(/^geo-whois-asn-country-mmdb/);
    expect(licensed.lookup('185.178.211.1')).toMatchObject({ country: 'RU', countrySecondary: 'NL' });
  });

  it('reads the country of every common record layout', () => {
    expect(countryOfRecord({ country_code: 'nl' })).toBe('NL');
    expect(countryOfRecord({ country: { iso_code: 'DE', names: { en: 'Germany' } }, registered_country: { iso_code: 'NL' } })).toBe('DE');
    expect(countryOfRecord({ registered_country: { iso_code: 'US' } })).toBe('US');
    expect(countryOfRecord({ country: 'FR', country_name: 'France' })).toBe('FR');
    expect(countryOfRecord({ continent: { code: 'EU' } })).toBeUndefined();
    expect(countryOfRecord(null)).toBeUndefined();
  });

  it('reads the network of MaxMind and IPinfo ASN records', () => {
    expect(asnOfRecord({ autonomous_system_number: 43350, autonomous_system_organization: 'NForce Entertainment B.V.' })).toEqual({
      asn: 43350,
      organisation: 'NForce Entertainment B.V.',
    });
    expect(asnOfRecord({ asn: 'AS24940', as_name: 'Hetzner Online GmbH', as_domain: 'hetzner.com' })).toEqual({ asn: 24940, organisation: 'Hetzner Online GmbH' });
    expect(asnOfRecord({ asn: 'AS16276', name: 'OVH SAS' })).toEqual({ asn: 16276, organisation: 'OVH SAS' });
    expect(asnOfRecord({ asn: 'sixteen' })).toBeUndefined();
  });

  it('says which file is missing or not a MaxMind DB', async () => {
    await expect(openGeo({ countryDbPath: '/nonexistent/GeoIP2-Country.mmdb' })).rejects.toThrow(GeoDataError);
    const junk = join(tmpdir(), `relay-not-mmdb-${process.pid}.mmdb`);
    await writeFile(junk, 'this is not a database');
    await expect(openGeo({ asnDbPath: junk })).rejects.toThrow(/not a MaxMind DB file/);
  });
});

describe('the embedded indexes against the MaxMind DB files they are built from', () => {
  it('give every fact the maxmind reader gives, for 100,000 random IPv4 and 20,000 IPv6 addresses, uncached', async () => {
    const fast = await openGeo({ cacheSize: 0 });
    const reader = (d: (typeof EMBEDDED_DATASETS)['countryPrimary' | 'countrySecondary']) => openCountryDatabase(embeddedDatasetPath(d).path);
    const reference = createGeo({
      primary: reader(EMBEDDED_DATASETS.countryPrimary),
      secondary: reader(EMBEDDED_DATASETS.countrySecondary),
      asn: (await loadEmbeddedAsn()).source,
      cacheSize: 0,
    });
    let x = 99;
    const next = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>>= 0);
    };
    const ips = Array.from({ length: 100_000 }, () => {
      const v = next();
      return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    });
    for (let i = 0; i < 20_000; i++) ips.push(`2${(next() & 0xfff).toString(16).padStart(3, '0')}:${(next() & 0xffff).toString(16)}::${(next() & 0xffff).toString(16)}`);
    const wrong = ips.filter((ip) => JSON.stringify(fast.lookup(ip)) !== JSON.stringify(reference.lookup(ip)));
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(ips.filter((ip) => fast.lookup(ip).country !== '').length).toBeGreaterThan(50_000);
  });
});
