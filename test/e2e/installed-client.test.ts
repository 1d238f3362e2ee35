// Issue 19, item 4: the client package installs anywhere. `npm run pack:client` writes the
// tarballs (tools/pack-client.mjs); this test installs them with npm into an empty folder
// outside the repository, as docs/integration.md tells an integrator, and runs the example
// there (examples/installed/receive-referrals.mjs) against the relay as production runs it:
// generated accounts, signed directory, every service its own process. The example must
// receive the referral for a report submitted here, verified, and close the loop with a status.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openJsonBucket } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { deriveId, KvBucket } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileStack, startHostileStack } from '../security/hostile/stack.js';
import { DEMO_KEYS } from './harness/pipeline.js';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const URL_NL = 'http://installed.example.nl/gallery/1';

/** The environment of a command run as an integrator would: nothing of the npm run that started the tests. */
function integratorEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE_OPTIONS' && k !== 'NATS_URL'));
  return { ...env, ...extra };
}

let project: string;
let stack: HostileStack;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'relay-integrator-'));
  const packs = join(project, 'relay');
  const install = (async () => {
    await run(process.execPath, [join(ROOT, 'tools/pack-client.mjs'), '--out', packs], { cwd: ROOT });
    const tarballs = (await readdir(packs)).filter((f) => f.endsWith('.tgz'));
    // A lookup of any @relay package on a registry fails here, at once, instead of fetching a stranger's package of that name.
    await writeFile(join(project, '.npmrc'), '@relay:registry=http://127.0.0.1:9/\nfetch-retries=0\n');
    // The recipe of docs/integration.md: every @relay package by file, the others overridden to those files.
    await run('npm', ['init', '-y'], { cwd: project, env: integratorEnv() });
    const names = tarballs.map((t) => `@relay/${/^relay-([a-z]+)-/.exec(t)?.[1] ?? ''}`);
    await run(
      'npm',
      ['pkg', 'set', ...tarballs.map((t, i) => `dependencies.${names[i]}=file:relay/${t}`), ...names.filter((n) => n !== '@relay/client').map((n) => `overrides.${n}=$${n}`)],
      { cwd: project, env: integratorEnv() },
    );
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, env: integratorEnv(), timeout: 240_000 });
    await copyFile(join(ROOT, 'examples/installed/receive-referrals.mjs'), join(project, 'receive-referrals.mjs'));
  })();
  const started = startHostileStack({ zone: { 'installed.example.nl': ['185.107.56.1'] } });
  const [installed, running] = await Promise.allSettled([install, started]);
  if (running.status === 'fulfilled') stack = running.value;
  if (installed.status === 'rejected') throw installed.reason;
  if (running.status === 'rejected') throw running.reason;
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the packed client, installed outside the repository', () => {
  it('lives outside the repository and resolves every @relay package from the tarballs, none from a registry', async () => {
    expect(relative(ROOT, project).startsWith('..')).toBe(true);
    const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string; link?: boolean }> };
    const relay = Object.entries(lock.packages).filter(([path]) => path.includes('node_modules/@relay/'));
    expect(relay.map(([path]) => path).sort()).toEqual(['node_modules/@relay/bus', 'node_modules/@relay/client', 'node_modules/@relay/directory', 'node_modules/@relay/wire']);
    for (const [, entry] of relay) {
      expect(entry.link).toBeUndefined();
      expect(entry.resolved).toMatch(/^file:relay\/relay-[a-z]+-0\.1\.0\.tgz$/);
    }
  });

  it('receives a referral from the running relay with the example, verified, and its RECEIVED status reaches the case', async () => {
    const eokm = stack.accounts.envOf('hotline-eokm', stack.url);
    const example = spawn(process.execPath, ['receive-referrals.mjs'], {
      cwd: project,
      env: integratorEnv({ ...eokm, RELAY_DIRECTORY_KEY: stack.accounts.directoryKey.publicKey, HOTLINE: 'eokm', HOTLINE_COUNTRY: 'NL', RELAY_EXAMPLE_COUNT: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    example.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    example.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((done) => example.on('exit', (code) => done(code)));

    const res = await fetch(`${stack.gatewayUrl}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_KEYS.ncmec}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sourceReportId: 'NCMEC-INSTALLED-1', urls: [URL_NL] }),
    });
    expect(res.status).toBe(202);

    const timer = setTimeout(() => example.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const caseId = deriveId('case', URL_NL);
    const line = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ caseId, hotline: 'eokm', url: URL_NL, jurisdiction: 'NL', asn: 43350 });

    const cases = await openJsonBucket<{ statuses: { id: string }[] }>(await stack.busAs('operator-alice'), KvBucket.Cases);
    await waitFor(async () => ((await cases.get(caseId))?.value.statuses.some((s) => s.id === `${String(line['referralId'])}:received`) ? true : undefined), {
      what: 'the RECEIVED status of the installed example to reach the case',
    });
  });
});
