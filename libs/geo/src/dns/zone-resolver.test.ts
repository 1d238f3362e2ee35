import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZoneResolver, DnsError, DnsFailure, type Zone, ZoneFileError } from '../index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-zone-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ZONE: Zone = {
  records: {
    'images.example.nl': { a: ['185.107.56.1'] },
    'www.example.de': { cname: 'lb.example.de' },
    'lb.example.de': { cname: 'node1.hetzner.example' },
    'node1.hetzner.example': { a: ['5.9.0.1'], aaaa: ['2a01:4f8::1'] },
    'gone.example': { error: 'NXDOMAIN' },
    'broken.example': { error: 'SERVFAIL' },
    'slow.example': { error: 'TIMEOUT' },
    'loop-a.example': { cname: 'loop-b.example' },
    'loop-b.example': { cname: 'loop-a.example' },
    'xn--bcher-kva.de': { a: ['5.79.64.1'] },
  },
};

async function writeZone(name: string, zone: unknown): Promise<string> {
  const path = join(dir, name);
  // Write beside and rename, as an editor or deploy tool would.
  await writeFile(`${path}.tmp`, JSON.stringify(zone));
  await rename(`${path}.tmp`, path);
  return path;
}

async function failure(p: Promise<unknown>): Promise<DnsFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DnsError)) throw new Error(`expected a DnsError, got ${String(err)}`);
  return err.failure;
}

describe('the static zone resolver', () => {
  it('answers A and AAAA records and records the CNAME chain', async () => {
    const resolver = createZoneResolver({ path: await writeZone('chain.json', ZONE) });
    expect(await resolver.resolve('images.example.nl')).toEqual({ host: 'images.example.nl', cnameChain: [], addresses: ['185.107.56.1'] });
    expect(await resolver.resolve('WWW.Example.DE.')).toEqual({
      host: 'www.example.de',
      cnameChain: ['lb.example.de', 'node1.hetzner.example'],
      addresses: ['5.9.0.1', '2a01:4f8::1'],
    });
  });

  it('fails names not in the zone with NXDOMAIN and error entries as written', async () => {
    const resolver = createZoneResolver({ path: await writeZone('errors.json', ZONE) });
    expect(await failure(resolver.resolve('unknown.example'))).toBe(DnsFailure.NxDomain);
    expect(await failure(resolver.resolve('gone.example'))).toBe(DnsFailure.NxDomain);
    expect(await failure(resolver.resolve('broken.example'))).toBe(DnsFailure.ServFail);
    expect(await failure(resolver.resolve('slow.example'))).toBe(DnsFailure.Timeout);
    expect(await failure(resolver.resolve('loop-a.example'))).toBe(DnsFailure.Other);
  });

  it('picks up a changed zone file without a restart', async () => {
    const path = await writeZone('moving.json', ZONE);
    const resolver = createZoneResolver({ path, checkIntervalMs: 0 });
    expect((await resolver.resolve('images.example.nl')).addresses).toEqual(['185.107.56.1']);
    await writeZone('moving.json', { records: { ...ZONE.records, 'images.example.nl': { a: ['5.9.0.1'] } } });
    await waitFor(async () => (await resolver.resolve('images.example.nl')).addresses[0] === '5.9.0.1', { what: 'the new zone' });
  });

  it('keeps the last good zone when the file is changed into an invalid one, and says why', async () => {
    const path = await writeZone('invalid-later.json', ZONE);
    const errors: ZoneFileError[] = [];
    const resolver = createZoneResolver({ path, checkIntervalMs: 0, onReloadError: (e) => errors.push(e) });
    await writeZone('invalid-later.json', { records: { 'images.example.nl': { a: ['not-an-ip'] } } });
    await waitFor(async () => {
      await resolver.resolve('images.example.nl');
      return errors.length > 0;
    });
    expect((await resolver.resolve('images.example.nl')).addresses).toEqual(['185.107.56.1']);
    expect(errors[0]?.message).toContain('records.images.example.nl.a.0');
  });

  it('refuses a missing or malformed file at creation, naming the problem', async () => {
    expect(() => createZoneResolver({ path: join(dir, 'absent.json') })).toThrow(ZoneFileError);
    const upper = await writeZone('upper.json', { records: { 'Images.Example.NL': { a: ['185.107.56.1'] } } });
    expect(() => createZoneResolver({ path: upper })).toThrow(/lower-case host name/);
    const extra = await writeZone('extra.json', { records: { 'a.example': { a: ['1.2.3.4'], mx: ['x'] } } });
    expect(() => createZoneResolver({ path: extra })).toThrow(/records\.a\.example/);
  });
});
