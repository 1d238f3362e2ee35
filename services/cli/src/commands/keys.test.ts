import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signatureHeaders, signerFromSeed } from '@relay/bus';
import { directoryVerifier, loadDirectoryFile, parseDirectory } from '@relay/directory';
import { Header, RelayType } from '@relay/wire';
import { DEV_DIRECTORY_FILE } from '@relay/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runRelay } from '../../test/relay.js';
import { ExitCode } from '../index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function relay(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runRelay(args);
}

describe('relay keys generate', () => {
  it('makes a signing key whose seed stays in a 0600 file and whose directory entry verifies what it signs', async () => {
    const seedFile = join(dir, 'eokm-signing.nk');
    const r = await relay('keys', 'generate', '--org', 'eokm', '--out', seedFile, '--valid-from', '2026-12-01T00:00:00Z', '--json');
    expect(r.code, r.err).toBe(ExitCode.Ok);
    const { entry } = JSON.parse(r.out) as { entry: { key: string; notBefore: string } };
    expect((await stat(seedFile)).mode & 0o777).toBe(0o600);
    const seed = (await readFile(seedFile, 'utf8')).trim();
    const signer = signerFromSeed(seed);
    expect(entry).toEqual({ key: signer.publicKey, notBefore: '2026-12-01T00:00:00Z' });
    expect(r.out).not.toContain(seed);

    const directory = parseDirectory({ ...loadDirectoryFile(DEV_DIRECTORY_FILE).file, signers: { eokm: [entry] } });
    const verify = directoryVerifier(() => directory, () => 'eokm', () => Date.parse('2026-12-02T00:00:00Z'));
    const data = new Uint8Array([1]);
    const base = { [Header.MsgId]: 'eokm:s1', [Header.Origin]: 'eokm', [Header.Type]: RelayType.StatusUpdate };
    const sign = (at: string) => ({ ...base, ...signatureHeaders(signer, 'relay.status.eokm', data, base, Date.parse(at)) });
    expect(() => verify({ data, subject: 'relay.status.eokm', headers: sign('2026-12-01T12:00:00Z') })).not.toThrow();
    expect(() => verify({ data, subject: 'relay.status.eokm', headers: sign('2026-11-30T12:00:00Z') })).toThrow(expect.objectContaining({ code: 'signer-key-not-valid' }));
  });

  it('never overwrites an existing seed, and refuses a malformed start', async () => {
    const seedFile = join(dir, 'k.nk');
    expect((await relay('keys', 'generate', '--org', 'eokm', '--out', seedFile)).code).toBe(ExitCode.Ok);
    const before = await readFile(seedFile, 'utf8');
    const again = await relay('keys', 'generate', '--org', 'eokm', '--out', seedFile);
    expect(again.code).not.toBe(ExitCode.Ok);
    expect(again.err).toMatch(/never overwritten/);
    expect(await readFile(seedFile, 'utf8')).toBe(before);
    expect((await relay('keys', 'generate', '--org', 'eokm', '--out', join(dir, 'x.nk'), '--valid-from', 'tomorrow')).code).toBe(ExitCode.Usage);
  });

  it('makes a tenant login key apart from signing keys: a user name is required, and the seed is never overwritten', async () => {
    const seedFile = join(dir, 'login.nk');
    const r = await relay('keys', 'login', '--user', 'police-nl', '--out', seedFile, '--json');
    expect(r.code, r.err).toBe(ExitCode.Ok);
    const { entry } = JSON.parse(r.out) as { entry: Record<string, string> };
    expect(entry).toEqual({ 'police-nl': signerFromSeed((await readFile(seedFile, 'utf8')).trim()).publicKey });
    expect((await relay('keys', 'login', '--user', 'police-nl', '--out', seedFile)).err).toMatch(/login key is never overwritten/);
    const bad = await relay('keys', 'login', '--user', 'eokm', '--out', join(dir, 'other.nk'));
    expect(bad.code).toBe(ExitCode.Usage);
    expect(bad.err).toContain('hotline-eokm, police-nl or authority-nl');
  });
});
