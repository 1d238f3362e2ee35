import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostingStatus, LocationConfidence, ResolutionErrorCode } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCdnCatalogue, createZoneResolver, type LocateDeps, locate, openGeo, type Zone } from './index.js';

const AT = new Date('2026-11-02T09:15:00.000Z');
const ZONE: Zone = {
  records: {
    'images.example.nl': { a: ['185.107.56.1'] },
    'www.example.de': { cname: 'lb.example.de' },
    'lb.example.de': { a: ['5.9.0.1'], aaaa: ['2a01:4f8::1'] },
    'cf.example.com': { a: ['104.16.0.1', '1.1.1.1'] },
    'origin-leak.example.com': { a: ['1.1.1.1', '51.38.0.1'] },
    'split.example.org': { a: ['5.79.64.1', '5.9.0.1', '85.17.0.1'] },
    'tie.example.org': { a: ['5.9.0.1', '51.38.0.1'] },
    'intranet.example.com': { a: ['10.0.0.5', '192.168.1.10'], aaaa: ['fd00::5'] },
    'shop.cloudfront.example': { a: ['13.224.0.1'] },
    'ec2.example.de': { a: ['3.120.0.1'] },
    'xn--bcher-kva.de': { a: ['5.79.64.1'] },
    'gone.example': { error: 'NXDOMAIN' },
    'broken.example': { error: 'SERVFAIL' },
    'slow.example': { error: 'TIMEOUT' },
  },
};

let dir: string;
let deps: LocateDeps;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-locate-'));
  const path = join(dir, 'zone.json');
  await writeFile(path, JSON.stringify(ZONE));
  deps = { resolver: createZoneResolver({ path }), geo: await openGeo(), cdn: createCdnCatalogue(), clock: () => AT };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('locate', () => {
  it('places a URL on a Dutch hoster in NL with its network and both datasets agreeing', async () => {
    const obs = await locate('http://Images.Example.NL/gallery/1#top', deps);
    expect(obs).toMatchObject({
      url: 'http://Images.Example.NL/gallery/1#top',
      normalizedUrl: 'http://images.example.nl/gallery/1',
      host: 'images.example.nl',
      registrableDomain: 'example.nl',
      status: HostingStatus.HOSTING_STATUS_LOCATED,
      country: 'NL',
      asn: 43350,
      asOrganisation: 'NForce Entertainment B.V.',
      cdn: '',
      confidence: LocationConfidence.LOCATION_CONFIDENCE_AGREE,
      resolvedAt: AT,
      id: '',
    });
    expect(obs.addresses).toEqual([
      { ip: '185.107.56.1', country: 'NL', countrySecondary: 'NL', asn: 43350, asOrganisation: 'NForce Entertainment B.V.', cdn: '', unroutable: false },
    ]);
  });

  it('records the CNAME chain and every address, IPv4 first', async () => {
    const obs = await locate('https://www.example.de/', deps);
    expect(obs.cnameChain).toEqual(['lb.example.de']);
    expect(obs.addresses.map((a) => a.ip)).toEqual(['5.9.0.1', '2a01:4f8::1']);
    expect(obs).toMatchObject({ country: 'DE', asn: 24940, status: HostingStatus.HOSTING_STATUS_LOCATED });
  });

  it('reports 1.1.1.1 as masked by Cloudflare, with the operator country as jurisdiction', async () => {
    const obs = await locate('http://1.1.1.1/', deps);
    expect(obs).toMatchObject({ status: HostingStatus.HOSTING_STATUS_MASKED, cdn: 'Cloudflare', country: 'US', asn: 13335 });
    expect(obs.addresses[0]).toMatchObject({ ip: '1.1.1.1', country: 'AU', cdn: 'Cloudflare' });
    expect((await locate('http://cf.example.com/x', deps)).status).toBe(HostingStatus.HOSTING_STATUS_MASKED);
  });

  it('masks CloudFront but places an EC2 host in its region', async () => {
    expect(await locate('https://shop.cloudfront.example/', deps)).toMatchObject({ status: HostingStatus.HOSTING_STATUS_MASKED, cdn: 'Amazon CloudFront', country: 'US' });
    expect(await locate('https://ec2.example.de/', deps)).toMatchObject({ status: HostingStatus.HOSTING_STATUS_LOCATED, cdn: '', asn: 16509 });
  });

  it('prefers a real host that leaks beside a CDN address', async () => {
    const obs = await locate('http://origin-leak.example.com/', deps);
    expect(obs).toMatchObject({ status: HostingStatus.HOSTING_STATUS_LOCATED, country: 'FR', asn: 16276, cdn: '' });
    expect(obs.addresses.find((a) => a.ip === '1.1.1.1')?.cdn).toBe('Cloudflare');
  });

  it('takes the country most addresses are in, and the lowest address on a tie, whatever the DNS order', async () => {
    expect(await locate('http://split.example.org/', deps)).toMatchObject({ country: 'NL', asn: 60781 });
    expect(await locate('http://tie.example.org/', deps)).toMatchObject({ country: 'DE', asn: 24940 });
  });

  it('never gives private addresses a jurisdiction', async () => {
    const obs = await locate('http://intranet.example.com/', deps);
    expect(obs).toMatchObject({ status: HostingStatus.HOSTING_STATUS_UNROUTABLE, country: '', asn: 0 });
    expect(obs.addresses.every((a) => a.unroutable)).toBe(true);
    expect(await locate('http://3232235777/', deps)).toMatchObject({ status: HostingStatus.HOSTING_STATUS_UNROUTABLE, host: '192.168.1.1' });
    expect(await locate('http://127.1/', deps)).toMatchObject({ status: HostingStatus.HOSTING_STATUS_UNROUTABLE, host: '127.0.0.1' });
  });

  it('locates IP literals in evasive forms without asking DNS', async () => {
    expect(await locate('http://0xB96B3801/a', deps)).toMatchObject({ normalizedUrl: 'http://185.107.56.1/a', country: 'NL' });
    expect(await locate('http://[2001:41d0::1]/', deps)).toMatchObject({ host: '2001:41d0::1', country: 'FR', asn: 16276 });
  });

  it('looks an IDN host up by its punycode name', async () => {
    expect(await locate('http://bücher.de/', deps)).toMatchObject({ host: 'xn--bcher-kva.de', country: 'NL' });
  });

  it.each([
    ['http://gone.example/', ResolutionErrorCode.RESOLUTION_ERROR_CODE_NXDOMAIN],
    ['http://not-in-zone.example/', ResolutionErrorCode.RESOLUTION_ERROR_CODE_NXDOMAIN],
    ['http://broken.example/', ResolutionErrorCode.RESOLUTION_ERROR_CODE_SERVFAIL],
    ['http://slow.example/', ResolutionErrorCode.RESOLUTION_ERROR_CODE_TIMEOUT],
  ])('turns a DNS failure of %s into an UNRESOLVED observation with the error', async (url, code) => {
    const obs = await locate(url, deps);
    expect(obs.status).toBe(HostingStatus.HOSTING_STATUS_UNRESOLVED);
    expect(obs.error?.code).toBe(code);
    expect(obs.error?.detail).not.toBe('');
    expect(obs).toMatchObject({ country: '', normalizedUrl: url, addresses: [] });
  });

  it('turns a URL without a usable host into an UNRESOLVED observation, not a throw', async () => {
    const obs = await locate('ftp://files.example.com/x', deps);
    expect(obs).toMatchObject({ status: HostingStatus.HOSTING_STATUS_UNRESOLVED, normalizedUrl: '', url: 'ftp://files.example.com/x' });
    expect(obs.error?.code).toBe(ResolutionErrorCode.RESOLUTION_ERROR_CODE_INVALID_URL);
  });
});
