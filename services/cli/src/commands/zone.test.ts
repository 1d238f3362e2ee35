import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createZoneResolver } from '@relay/geo';
import { DEV_ZONE_FILE } from '@relay/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runRelay } from '../../test/relay.js';
import { ExitCode } from '../index.js';

let dir: string;
let zone: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-zone-'));
  zone = join(dir, 'zone.json');
  await copyFile(DEV_ZONE_FILE, zone);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function relay(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runRelay(args);
}

describe('relay zone', () => {
  it('moves a host to other addresses, says where they are, and the zone resolver sees it at once', async () => {
    const resolver = createZoneResolver({ path: zone, checkIntervalMs: 0 });
    try {
      expect((await resolver.resolve('moving.example.net')).addresses).toEqual(['185.107.56.1']);
      const r = await relay('zone', 'set', 'Moving.Example.NET', '5.9.0.1', '2a01:4f8:0:0::1', '--zone', zone);
      expect(r.code, r.err).toBe(ExitCode.Ok);
      expect(r.out).toMatch(/^Host +moving\.example\.net$/m);
      expect(r.out).toMatch(/^Answered +185\.107\.56\.1$/m);
      expect(r.out).toMatch(/^Answers now +5\.9\.0\.1 \(DE, AS24940 Hetzner Online GmbH\), 2a01:4f8::1 \(DE, AS24940 Hetzner Online GmbH\)$/m);
      expect((await resolver.resolve('moving.example.net')).addresses).toEqual(['5.9.0.1', '2a01:4f8::1']);
    } finally {
      resolver.close();
    }
    const written = JSON.parse(await readFile(zone, 'utf8')) as { records: Record<string, unknown> };
    expect(written.records['moving.example.net']).toEqual({ a: ['5.9.0.1'], aaaa: ['2a01:4f8::1'] });
    expect(written.records['images.example.nl']).toEqual({ a: ['185.107.56.1'], ttl: 60 });
    // Written by rename: no temp file is left behind.
    expect(await readdir(dir)).toEqual(['zone.json']);
  });

  it('adds a host that was not there and shows the zone', async () => {
    const set = await relay('zone', 'set', 'new.example.org', '104.16.0.1', '--zone', zone, '--json');
    expect(JSON.parse(set.out)).toMatchObject({ host: 'new.example.org', record: { a: ['104.16.0.1'] }, previous: null });
    const show = await relay('zone', 'show', '--zone', zone);
    expect(show.code).toBe(ExitCode.Ok);
    expect(show.out).toMatch(/^new\.example\.org +104\.16\.0\.1$/m);
    expect(show.out).toMatch(/^www\.example\.nl +CNAME images\.example\.nl$/m);
    expect(show.out).toMatch(/^gone\.example\.com +NXDOMAIN$/m);
    const json = await relay('zone', 'show', '--zone', zone, '--json');
    expect(JSON.parse(json.out)).toMatchObject({ records: { 'lb.example.de': { a: ['5.9.0.1'], aaaa: ['2a01:4f8::1'] } } });
  });

  it('refuses what is not a host or an address (exit 2) and leaves the file as it was', async () => {
    const before = await readFile(zone, 'utf8');
    const ip = await relay('zone', 'set', 'moving.example.net', '5.9.0.300', '--zone', zone);
    expect(ip.code).toBe(ExitCode.Usage);
    expect(ip.err).toContain('5.9.0.300');
    const host = await relay('zone', 'set', 'bad host!', '5.9.0.1', '--zone', zone);
    expect(host.code).toBe(ExitCode.Usage);
    expect(host.err).toBe('relay: "bad host!" cannot be a zone host: must be a lower-case host name without a trailing dot\n');
    const none = await relay('zone', 'set', 'moving.example.net', '--zone', zone);
    expect(none.code).toBe(ExitCode.Usage);
    expect(await readFile(zone, 'utf8')).toBe(before);
  });

  it('says how to get a zone file when there is none (exit 3)', async () => {
    const missing = join(dir, 'none', 'zone.json');
    const r = await relay('zone', 'show', '--zone', missing);
    expect(r.code).toBe(ExitCode.Data);
    expect(r.err).toBe(`relay: zone file ${missing} does not exist: the dev stack creates it (npm start), or pass --zone <file>\n`);
  });
});
