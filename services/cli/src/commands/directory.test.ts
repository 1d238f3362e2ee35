import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Bus, readStream } from '@relay/bus';
import { readDirectory, readSignerList } from '@relay/directory';
import type { NatsServer } from '@relay/testkit';
import { decodeMessage, RelayType, StreamName } from '@relay/wire';
import { DEV_DIRECTORY_FILE } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperatorTestRelay, runRelay, startOperatorRelay } from '../../test/relay.js';
import { ExitCode } from '../index.js';

let testRelay: OperatorTestRelay;
let server: NatsServer;
let bus: Bus;
let dir: string;

beforeAll(async () => {
  testRelay = await startOperatorRelay('relay-directory-');
  ({ server, bus, dir } = testRelay);
});

afterAll(async () => {
  await testRelay?.dispose();
});

async function relay(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return relayWith({}, ...args);
}

async function relayWith(env: Readonly<Record<string, string>>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runRelay(args, { NATS_URL: server.url, NATS_CLIENT_NAME: 'alice', ...env });
}

/** The dev directory with `change` applied, written to a temp file. */
async function variant(name: string, change: (d: Record<string, unknown> & { hotlines: Record<string, unknown>[] }) => void): Promise<string> {
  const d = JSON.parse(await readFile(DEV_DIRECTORY_FILE, 'utf8')) as Record<string, unknown> & { hotlines: Record<string, unknown>[] };
  change(d);
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(d));
  return path;
}

async function auditRecords(): Promise<ReturnType<typeof decodeMessage<'relay.v1.AuditRecord'>>[]> {
  const records = [];
  for await (const m of readStream(bus, { stream: StreamName.Audit })) records.push(decodeMessage(RelayType.AuditRecord, m.data));
  return records;
}

describe('relay directory', () => {
  it('validates a good file and lists every problem of a bad one with its path (exit 3)', async () => {
    const good = await relay('directory', 'validate', DEV_DIRECTORY_FILE);
    expect(good.code).toBe(ExitCode.Ok);
    expect(good.out).toMatch(/is a valid directory: \d+ hotlines in \d+ countries \(\d+ routed\), \d+ authorities, \d+ police liaisons/);

    const bad = await variant('bad.json', (d) => {
      d.hotlines[0] = { ...d.hotlines[0], country: 'gb' };
      d['routing'] = { DE: { hotline: 'no-such-hotline' } };
    });
    const r = await relay('directory', 'validate', bad);
    expect(r.code).toBe(ExitCode.Data);
    expect(r.err).toContain(`relay: ${bad}: invalid directory:`);
    expect(r.err).toContain('hotlines.0.country: must be an ISO 3166-1 alpha-2 code in upper case');
    const json = await relay('directory', 'validate', await variant('bad2.json', (d) => (d['routing'] = { DE: { hotline: 'no-such-hotline' } })), '--json');
    expect(json.code).toBe(ExitCode.Data);
    expect(JSON.parse(json.out)).toMatchObject({ valid: false, problems: expect.arrayContaining(['routing.DE.hotline: no hotline "no-such-hotline" in hotlines']) });
  });

  it('says how to store a directory when none is stored yet', async () => {
    const r = await relay('directory', 'show');
    expect(r.code).toBe(ExitCode.Data);
    expect(r.err).toContain('no hotline directory is stored yet: apply one (relay directory apply)');
  });

  it('applies a directory after recording why in AUDIT, then shows it with its revision', async () => {
    const noReason = await relay('directory', 'apply', DEV_DIRECTORY_FILE);
    expect(noReason.code).toBe(ExitCode.Usage);
    expect(noReason.err).toContain("required option '--reason <text>' not specified");

    const applied = await relay('directory', 'apply', DEV_DIRECTORY_FILE, '--reason', 'first directory for the test', '--json');
    expect(applied.code, applied.err).toBe(ExitCode.Ok);
    const result = JSON.parse(applied.out) as { revision: number; previousRevision: number | null; audit: { stream: string; seq: number } };
    expect(result.previousRevision).toBeNull();
    expect((await readDirectory(bus))?.revision).toBe(result.revision);
    const [record] = (await auditRecords()).slice(-1);
    expect(record).toMatchObject({ actor: 'alice', action: 'directory-apply', target: 'relay-directory/current', reason: 'first directory for the test' });
    expect(record?.details['previousRevision']).toBe('0');

    const show = await relay('directory', 'show');
    expect(show.code).toBe(ExitCode.Ok);
    expect(show.out).toMatch(new RegExp(`^Revision +${result.revision}$`, 'm'));
    expect(show.out).toMatch(/^NL +eokm +eokm +Politie/m);
    expect(show.out).toMatch(/^DE +eco +eco, fsm, jugendschutz-net/m);
    expect(show.out).toMatch(/^DE +eco +Operator's choice/m);
    expect(show.out).toMatch(/^atkm +NL +yes +Autoriteit online/m);
    expect(show.out).toMatch(/^NL +24h +12h$/m);
    expect(show.out).toMatch(/^default +72h +24h$/m);
    const json = await relay('directory', 'show', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ revision: result.revision, directory: { version: 1 } });
  });

  it('reports what a change does to routing, as a new revision', async () => {
    const renamed = await variant('renamed.json', (d) => {
      d.hotlines = d.hotlines.map((h) => (h['id'] === 'eokm' ? { ...h, id: 'offlimits' } : h));
    });
    const before = (await readDirectory(bus))?.revision ?? 0;
    const r = await relay('directory', 'apply', renamed, '--reason', 'EOKM is now Offlimits', '--actor', 'bob');
    expect(r.code, r.err).toBe(ExitCode.Ok);
    // The bucket's revisions count every key: the public signer list (decision 0103) takes one too.
    const revision = Number(/^Revision +(\d+) \(was (\d+)\)$/m.exec(r.out)?.[1]);
    expect(r.out).toMatch(new RegExp(`^Revision +\\d+ \\(was ${before}\\)$`, 'm'));
    expect(revision).toBeGreaterThan(before);
    expect((await readDirectory(bus))?.revision).toBe(revision);
    expect(r.out).toMatch(/^Routing changes +NL: eokm -> offlimits$/m);
    expect(r.out).toMatch(/^Audit record +AUDIT #\d+$/m);
    const [record] = (await auditRecords()).slice(-1);
    expect(record).toMatchObject({ actor: 'bob', reason: 'EOKM is now Offlimits' });
    expect(record?.details['routingChanges']).toBe('NL: eokm -> offlimits');
    expect((await readDirectory(bus))?.directory.routingHotline('NL')?.id).toBe('offlimits');
  });

  it('stores nothing and records nothing when the file does not validate', async () => {
    const revision = (await readDirectory(bus))?.revision;
    const audits = (await auditRecords()).length;
    const bad = await variant('bad3.json', (d) => (d['version'] = 2));
    const r = await relay('directory', 'apply', bad, '--reason', 'oops');
    expect(r.code).toBe(ExitCode.Data);
    expect(r.err).toContain('version: ');
    expect((await readDirectory(bus))?.revision).toBe(revision);
    expect(await auditRecords()).toHaveLength(audits);
  });

  it('signs with an offline key; with the key pinned, apply refuses an unsigned, foreign-signed or tampered file and stores a signed one as is', async () => {
    const keygen = await relay('directory', 'keygen', '--out', join(dir, 'directory.nk'), '--json');
    expect(keygen.code, keygen.err).toBe(ExitCode.Ok);
    const { publicKey } = JSON.parse(keygen.out) as { publicKey: string };
    expect(publicKey).toMatch(/^O[A-Z2-7]{55}$/);
    expect((await relay('directory', 'keygen', '--out', join(dir, 'directory.nk'))).code).toBe(ExitCode.Data);
    await relay('directory', 'keygen', '--out', join(dir, 'other.nk'));
    const pinned = { RELAY_DIRECTORY_KEY: publicKey };

    // A directory without signers is not signed: every service and client would refuse it (decision 0111).
    const bare = await relay('directory', 'sign', DEV_DIRECTORY_FILE, '--key', join(dir, 'directory.nk'), '--out', join(dir, 'bare.json'));
    expect(bare.code).toBe(ExitCode.Data);
    expect(bare.err).toContain('lists no signers');
    const withSigners = join(dir, 'with-signers.json');
    await writeFile(withSigners, JSON.stringify({ ...JSON.parse(await readFile(DEV_DIRECTORY_FILE, 'utf8')), signers: { dispatcher: ['UCXWLZUOYIMPA5MC3SATFOC3GBRJOAFKZ3XGOUJKEUODZ7SCTDZ4HIYD'] } }));

    const signedFile = join(dir, 'signed.json');
    const sign = await relay('directory', 'sign', withSigners, '--key', join(dir, 'directory.nk'), '--out', signedFile);
    expect(sign.code, sign.err).toBe(ExitCode.Ok);
    expect(sign.out).toMatch(new RegExp(`^Key +${publicKey}$`, 'm'));
    const foreignFile = join(dir, 'foreign.json');
    await relay('directory', 'sign', withSigners, '--key', join(dir, 'other.nk'), '--out', foreignFile);
    const tamperedFile = join(dir, 'tampered.json');
    const signed = JSON.parse(await readFile(signedFile, 'utf8')) as { directory: string };
    await writeFile(tamperedFile, JSON.stringify({ ...signed, directory: signed.directory.replace('"eokm"', '"offlimits"') }));

    const revision = (await readDirectory(bus))?.revision;
    const audits = (await auditRecords()).length;
    for (const [file, why] of [
      [DEV_DIRECTORY_FILE, 'not signed, but a directory key is pinned'],
      [foreignFile, 'signed by a key that is not pinned'],
      [tamperedFile, 'signature does not match its content (tampered)'],
    ] as const) {
      const r = await relayWith(pinned, 'directory', 'apply', file, '--reason', 'should be refused');
      expect(r.code, file).toBe(ExitCode.Data);
      expect(r.err).toContain(why);
    }
    expect((await readDirectory(bus))?.revision).toBe(revision);
    expect(await auditRecords()).toHaveLength(audits);

    // While a key is rotated both are pinned (decision 0110): either one's file is taken.
    const otherKey = (JSON.parse(await readFile(foreignFile, 'utf8')) as { key: string }).key;
    expect((await relay('directory', 'validate', foreignFile, '--directory-key', `${publicKey},${otherKey}`)).code).toBe(ExitCode.Ok);
    const applied = await relayWith(pinned, 'directory', 'apply', signedFile, '--reason', 'signed directory');
    expect(applied.code, applied.err).toBe(ExitCode.Ok);
    const stored = await readDirectory(bus, publicKey);
    expect(stored?.directory.signed?.key).toBe(publicKey);
    expect((await auditRecords()).slice(-1)[0]?.details['signedBy']).toBe(publicKey);
    // The public signer list tenants read is the signed one.
    expect(await readSignerList(bus, publicKey)).toBeDefined();
    const show = await relayWith(pinned, 'directory', 'show', '--json');
    expect(show.code, show.err).toBe(ExitCode.Ok);
    expect(JSON.parse(show.out)).toMatchObject({ signed: { key: publicKey } });
    expect((await relay('directory', 'validate', DEV_DIRECTORY_FILE, '--directory-key', publicKey)).code).toBe(ExitCode.Data);
  });
});
