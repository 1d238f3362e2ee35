import { existsSync } from 'node:fs';
import { createUser } from '@nats-io/nkeys';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, busConfigFromEnv, connectBus, readStream } from '@relay/bus';
import type { DirectoryFile } from '@relay/directory';
import { freePort, type NatsServer, startNatsServer } from '@relay/testkit';
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
  testRelay = await startOperatorRelay('relay-accounts-');
  ({ server, bus, dir } = testRelay);
});

afterAll(async () => {
  await testRelay?.dispose();
});

async function relay(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runRelay(args, { PATH: process.env['PATH'] ?? '', ...env });
}

interface Generated {
  readonly users: { name: string; role: string; publicKey: string; keys: 'new' | 'kept' | 'supplied'; seedFile?: string; signingKey?: string }[];
  readonly removed: string[];
  readonly audit: string;
  readonly check: string;
}

describe('relay accounts generate', () => {
  it('generates users for every tenant of the directory, records it in AUDIT, and nats-server -t accepts the result', async () => {
    const out = join(dir, 'first');
    const r = await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', DEV_DIRECTORY_FILE, '--out', out, '--operator', 'alice', '--reason', 'bootstrap the test broker', '--actor', 'carol', '--json');
    expect(r.code, r.err).toBe(ExitCode.Ok);
    const result = JSON.parse(r.out) as Generated;
    const names = result.users.map((u) => u.name);
    expect(names).toEqual(expect.arrayContaining(['hotline-eokm', 'hotline-eco', 'hotline-interpol', 'police-nl', 'police-de', 'authority-nl', 'gateway', 'locator', 'dispatcher', 'operator-alice']));
    expect(result.users.every((u) => u.keys === 'new')).toBe(true);
    expect(result.check).toBe('valid');
    expect(result.audit).toMatch(/^AUDIT #\d+$/);
    expect(r.out).not.toMatch(/"SU[A-Z2-7]{50,}"/);

    const eokm = result.users.find((u) => u.name === 'hotline-eokm');
    expect((await stat(eokm?.seedFile ?? '')).mode & 0o777).toBe(0o600);
    expect(await readFile(join(out, 'users', 'hotline-eokm.env'), 'utf8')).toContain(`NATS_URL=${server.url}`);
    expect(await readFile(join(out, 'accounts.conf'), 'utf8')).toContain(eokm?.publicKey);

    const records = [];
    for await (const m of readStream(bus, { stream: StreamName.Audit })) records.push(decodeMessage(RelayType.AuditRecord, m.data));
    expect(records.at(-1)).toMatchObject({ actor: 'carol', action: 'accounts-generate', target: out, reason: 'bootstrap the test broker' });
    expect(records.at(-1)?.details['operators']).toBe('alice');
  });

  it('keeps every existing key when run again, adding only the new operator', async () => {
    const out = join(dir, 'again');
    const first = JSON.parse((await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', DEV_DIRECTORY_FILE, '--out', out, '--reason', 'r1', '--json')).out) as Generated;
    const second = await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', DEV_DIRECTORY_FILE, '--out', out, '--operator', 'bob', '--reason', 'add bob');
    expect(second.code, second.err).toBe(ExitCode.Ok);
    expect(second.out).toMatch(/^operator-bob +operator +new +U[A-Z2-7]{55}$/m);
    expect(second.out).toMatch(/^hotline-eokm +hotline +kept +/m);
    expect(second.out).toMatch(new RegExp(`^Users +${first.users.length + 1} \\(1 new, ${first.users.length} kept their keys, 0 supplied their own\\)$`, 'm'));
    // Same public keys: tenants keep their credentials across a regeneration.
    for (const u of first.users) expect(second.out).toContain(u.publicKey);
    expect(second.out).toMatch(/^nats-server -t +accounts\.conf is valid$/m);
  });

  it('gives a hotline whose INHOPE membership is not confirmed no user, until an operator confirms it in the directory', async () => {
    const out = join(dir, 'confirm');
    const first = JSON.parse((await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', DEV_DIRECTORY_FILE, '--out', out, '--reason', 'r1', '--json')).out) as Generated;
    const names = first.users.map((u) => u.name);
    for (const unconfirmed of ['hotline-cybertip-ca', 'hotline-cy-hotline', 'hotline-apav-lis', 'hotline-isigurt-al']) expect(names).not.toContain(unconfirmed);
    expect(names).toEqual(expect.arrayContaining(['hotline-eco', 'hotline-fsm', 'hotline-jugendschutz-net']));
    expect(await readFile(join(out, 'accounts.conf'), 'utf8')).not.toContain('hotline-cybertip-ca');

    const file = JSON.parse(await readFile(DEV_DIRECTORY_FILE, 'utf8')) as DirectoryFile;
    file.routing = { ...file.routing, CA: { hotline: 'cybertip-ca', note: 'Membership confirmed by the operator with INHOPE' } };
    const confirmed = join(dir, 'confirmed-directory.json');
    await writeFile(confirmed, JSON.stringify(file));
    const second = JSON.parse((await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', confirmed, '--out', out, '--reason', 'confirm cybertip-ca', '--json')).out) as Generated;
    // Its login, and the console's user that serves its analysts (decision 0135).
    expect(second.users.filter((u) => u.keys === 'new').map((u) => u.name)).toEqual(['hotline-cybertip-ca', 'console-hotline-cybertip-ca']);

    // Back to the directory where it is not confirmed: the user is dropped, and the output says so.
    const third = await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', DEV_DIRECTORY_FILE, '--out', out, '--reason', 'cybertip-ca not confirmed after all');
    expect(third.code, third.err).toBe(ExitCode.Ok);
    expect(third.out).toMatch(/^Dropped +console-hotline-cybertip-ca, hotline-cybertip-ca: no longer in the directory's tenants/m);
    expect(await readFile(join(out, 'accounts.conf'), 'utf8')).not.toContain('hotline-cybertip-ca');
  });

  it("lets a tenant keep its own login key: only its public key reaches the operator's files, and it logs in with its seed", async () => {
    const out = join(dir, 'supplied');
    const tenant = await mkdtemp(join(tmpdir(), 'relay-tenant-'));
    try {
      // Before: the operator generated eokm's key (development); the tenant now makes its own.
      expect((await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', DEV_DIRECTORY_FILE, '--out', out, '--reason', 'r1')).code).toBe(ExitCode.Ok);
      expect(existsSync(join(out, 'users', 'hotline-eokm.nk'))).toBe(true);
      const login = await relay({}, 'keys', 'login', '--user', 'hotline-eokm', '--out', join(tenant, 'login.nk'), '--json');
      expect(login.code, login.err).toBe(ExitCode.Ok);
      const { entry } = JSON.parse(login.out) as { entry: Record<string, string> };
      const tenantSeed = (await readFile(join(tenant, 'login.nk'), 'utf8')).trim();
      expect((await stat(join(tenant, 'login.nk'))).mode & 0o777).toBe(0o600);
      expect(login.out).not.toContain(tenantSeed);
      await writeFile(join(dir, 'public-keys.json'), JSON.stringify(entry));

      const r = await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--public-keys', join(dir, 'public-keys.json'), '--directory', DEV_DIRECTORY_FILE, '--out', out, '--reason', 'eokm keeps its own key', '--json');
      expect(r.code, r.err).toBe(ExitCode.Ok);
      const result = JSON.parse(r.out) as Generated;
      expect(result.users.find((u) => u.name === 'hotline-eokm')).toMatchObject({ keys: 'supplied', publicKey: entry['hotline-eokm'] });
      expect(result.users.find((u) => u.name === 'hotline-eokm')?.seedFile).toBeUndefined();
      expect(result.removed).toEqual([join(out, 'users', 'hotline-eokm.nk'), join(out, 'users', 'hotline-eokm.signing.nk')]);
      // No seed of eokm anywhere in the operator's output, and signers.json lists no login key.
      const files = await readdir(out, { recursive: true });
      expect(files).not.toContain(join('users', 'hotline-eokm.nk'));
      for (const f of files) {
        const path = join(out, f);
        if ((await stat(path)).isFile()) expect(await readFile(path, 'utf8'), f).not.toContain(tenantSeed);
      }
      const signers = JSON.parse(await readFile(join(out, 'signers.json'), 'utf8')) as Record<string, string[]>;
      const logins = result.users.map((u) => u.publicKey);
      expect(Object.values(signers).flat().some((k) => logins.includes(k))).toBe(false);
      expect(signers['dispatcher']).toEqual([result.users.find((u) => u.name === 'dispatcher')?.signingKey]);

      // A server running these accounts lets eokm in with the seed only it holds, and nobody with another key.
      const conf = await readFile(join(out, 'accounts.conf'), 'utf8');
      const env = Object.fromEntries(
        (await readFile(join(out, 'users', 'hotline-eokm.env'), 'utf8'))
          .split('\n')
          .filter((l) => /^[A-Z_]+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      expect(env['NATS_NKEY_SEED_FILE']).toBeUndefined();
      const accounts = await startNatsServer({ extraConfig: conf }, { ...process.env, NATS_URL: '' });
      try {
        const eokm = await connectBus(busConfigFromEnv({ ...env, NATS_URL: accounts.url, NATS_NKEY_SEED_FILE: join(tenant, 'login.nk') }, 'hotline-eokm'));
        expect(eokm.isConnected()).toBe(true);
        await eokm.close();
        await writeFile(join(tenant, 'other.nk'), new TextDecoder().decode(createUser().getSeed()));
        await expect(connectBus(busConfigFromEnv({ ...env, NATS_URL: accounts.url, NATS_NKEY_SEED_FILE: join(tenant, 'other.nk') }, 'stranger'))).rejects.toThrow(/authori[sz]ation/i);
      } finally {
        await accounts.dispose();
      }
    } finally {
      await rm(tenant, { recursive: true, force: true });
    }
  });

  it('refuses, writing nothing, a tenant without a public login key unless told --generate-tenant-keys, and a key that is a seed', async () => {
    const out = join(dir, 'refused');
    const r = await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--directory', DEV_DIRECTORY_FILE, '--out', out, '--reason', 'r');
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toMatch(/no public login key for hotline-[a-z0-9-]+, .*police-nl.*relay keys login/);
    const seed = new TextDecoder().decode(createUser().getSeed());
    await writeFile(join(dir, 'bad-keys.json'), JSON.stringify({ 'hotline-eokm': seed }));
    const bad = await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--public-keys', join(dir, 'bad-keys.json'), '--directory', DEV_DIRECTORY_FILE, '--out', out, '--reason', 'r');
    expect(bad.code).toBe(ExitCode.Data);
    expect(bad.err).toContain('hotline-eokm: must be a NATS user public key');
    expect(bad.err).not.toContain(seed);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to act unrecorded when NATS cannot be reached, and writes nothing', async () => {
    const out = join(dir, 'unreachable');
    const port = await freePort();
    const r = await relay({ NATS_URL: `nats://127.0.0.1:${port}` }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', DEV_DIRECTORY_FILE, '--out', out, '--reason', 'r');
    expect(r.code).toBe(ExitCode.Unavailable);
    expect(r.err).toContain(`relay: cannot reach NATS at nats://127.0.0.1:${port}`);
    expect(existsSync(out)).toBe(false);
  });

  it('with --offline records the generation in <out>/audit.jsonl instead', async () => {
    const out = join(dir, 'offline');
    const r = await relay({ NATS_URL: 'nats://127.0.0.1:1' }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', DEV_DIRECTORY_FILE, '--out', out, '--reason', 'first bootstrap', '--actor', 'dave', '--offline');
    expect(r.code, r.err).toBe(ExitCode.Ok);
    expect(r.out).toMatch(/^Audit record +.*audit\.jsonl \(offline: not in AUDIT\)$/m);
    const [line] = (await readFile(join(out, 'audit.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(JSON.parse(line ?? '')).toMatchObject({ actor: 'dave', action: 'accounts-generate', reason: 'first bootstrap', recordedOffline: true });
    expect(existsSync(join(out, 'accounts.conf'))).toBe(true);
  });

  it('refuses an operator name that cannot be a subject token, and a directory that does not validate', async () => {
    const name = await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', DEV_DIRECTORY_FILE, '--out', join(dir, 'x'), '--operator', 'Alice Smith', '--reason', 'r');
    expect(name.code).toBe(ExitCode.Usage);
    expect(name.err).toContain('Alice Smith');
    const directory = await relay({ NATS_URL: server.url }, 'accounts', 'generate', '--generate-tenant-keys', '--directory', join(dir, 'none.json'), '--out', join(dir, 'y'), '--reason', 'r');
    expect(directory.code).toBe(ExitCode.Data);
    expect(directory.err).toContain('cannot read directory');
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});
