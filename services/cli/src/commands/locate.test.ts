import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { messageFromJson } from '@relay/wire';
import { DEV_ZONE_FILE } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import { runRelay } from '../../test/relay.js';
import { ExitCode } from '../index.js';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

async function relay(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runRelay(args);
}

describe('relay locate', () => {
  it('prints where a URL is hosted, for people', async () => {
    const r = await relay('locate', 'http://Images.Example.NL/gallery/1#x', '--zone', DEV_ZONE_FILE);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toMatch(/^Normalised URL\s+http:\/\/images\.example\.nl\/gallery\/1$/m);
    expect(r.out).toMatch(/^Jurisdiction\s+NL$/m);
    expect(r.out).toMatch(/^Network\s+AS43350 NForce Entertainment B\.V\.$/m);
    expect(r.out).toMatch(/^185\.107\.56\.1\s+NL\s+NL\s+43350\s+NForce Entertainment B\.V\.$/m);
    expect(r.out).toContain('DNS: static zone');
  });

  it('prints the observation in its proto3 JSON mapping with --json', async () => {
    const r = await relay('locate', 'http://gallery.example.de/x', '--zone', DEV_ZONE_FILE, '--json');
    expect(r.code).toBe(ExitCode.Ok);
    const json = JSON.parse(r.out) as Record<string, unknown>;
    expect(json).toMatchObject({
      normalizedUrl: 'http://gallery.example.de/x',
      registrableDomain: 'example.de',
      cnameChain: ['lb.example.de'],
      country: 'DE',
      asn: 24940,
      asOrganisation: 'Hetzner Online GmbH',
      status: 'HOSTING_STATUS_LOCATED',
      confidence: 'LOCATION_CONFIDENCE_AGREE',
    });
    expect(messageFromJson('relay.v1.HostingObservation', json).addresses.map((a) => a.ip)).toEqual(['5.9.0.1', '2a01:4f8::1']);
  });

  it('locates a bare IP address without DNS, masked ones with their CDN', async () => {
    const r = await relay('locate', '1.1.1.1', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ status: 'HOSTING_STATUS_MASKED', cdn: 'Cloudflare', country: 'US' });
  });

  it('prints a DNS failure as an UNRESOLVED observation and succeeds', async () => {
    const r = await relay('locate', 'gone.example.com', '--zone', DEV_ZONE_FILE);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toMatch(/^Status\s+UNRESOLVED$/m);
    expect(r.out).toMatch(/^Error\s+NXDOMAIN: /m);
  });

  it('refuses input that is not a URL with a clear message and exit code 2', async () => {
    const r = await relay('locate', 'ftp://files.example.com/x');
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toBe('relay: "ftp://files.example.com/x" is not a usable URL: scheme ftp is not http or https\n');
    expect(r.out).toBe('');
  });

  it('refuses a missing argument or an unknown option with usage help and exit code 2', async () => {
    const missing = await relay('locate');
    expect(missing.code).toBe(ExitCode.Usage);
    expect(missing.err).toContain("missing required argument 'url-or-ip'");
    const unknown = await relay('locate', '8.8.8.8', '--fast');
    expect(unknown.code).toBe(ExitCode.Usage);
    expect(unknown.err).toContain("unknown option '--fast'");
  });

  it('says which zone file cannot be used, with exit code 3', async () => {
    const r = await relay('locate', 'http://x.example/', '--zone', '/nonexistent/zone.json');
    expect(r.code).toBe(ExitCode.Data);
    expect(r.err).toContain('zone file /nonexistent/zone.json: cannot read');
  });

  it('runs as a process: output on stdout, exit code from the error', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, ['--conditions=@relay/source', '--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        child.once('exit', (code) => resolve({ code, out, err }));
      });
    const ok = await run(['locate', '185.107.56.1', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ country: 'NL', asn: 43350 });
    const bad = await run(['locate', 'http://999.1.1.1/']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('is not a usable URL');
  });
});
