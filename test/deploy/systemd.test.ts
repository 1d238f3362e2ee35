// The systemd units are valid for systemd (systemd-analyze verify, warnings
// included) and carry the hardening docs/operations.md promises.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { directoryKeysSchema } from '@relay/directory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, REPO_DEPLOY } from './deploy-copy.js';

const run = promisify(execFile);
const SYSTEMD = join(REPO_DEPLOY, 'systemd');
const UNITS = filesUnder(SYSTEMD, '.service');
/** The name systemd-analyze checks: a template is verified as one of its instances. */
const instanceOf = (unit: string): string => unit.replace('@.service', '@n1.service');

function settings(unit: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of readFileSync(join(SYSTEMD, unit), 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) map.set(m[1], [...(map.get(m[1]) ?? []), m[2]]);
  }
  return map;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-systemd-'));
  for (const u of UNITS) await copyFile(join(SYSTEMD, u), join(dir, u));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('deploy/systemd', () => {
  it('has a unit for nats-server and for each service', () => {
    expect(UNITS).toEqual(['relay-audit-follow.service', 'relay-console.service', 'relay-courier.service', 'relay-dispatcher.service', 'relay-gateway.service', 'relay-locator.service', 'relay-nats@.service', 'relay-topology.service', 'relay-watch.service']);
  });

  it.each(UNITS)('%s passes systemd-analyze verify without a warning', async (unit) => {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', '--man=no', `./${instanceOf(unit)}`], { cwd: dir });
    expect(`${stdout}${stderr}`.trim()).toBe('');
  });

  it('makes systemd-analyze verify warn about a setting out of place (the check is real)', async () => {
    const bad = join(dir, 'relay-bad.service');
    await copyFile(join(SYSTEMD, 'relay-locator.service'), bad);
    await run('sh', ['-c', `printf 'ProtectSystem=bogus\\n' >> ${bad}`]);
    const { stderr } = await run('systemd-analyze', ['verify', '--man=no', './relay-bad.service'], { cwd: dir });
    expect(stderr).toMatch(/relay-bad\.service:\d+: .*ProtectSystem/);
  });

  it.each(UNITS)('%s is hardened: own user, read-only system, no new privileges, an environment file', (unit) => {
    const s = settings(unit);
    expect(s.get('DynamicUser')?.[0] === 'yes' || s.get('User')?.[0] === 'nats').toBe(true);
    expect(s.get('NoNewPrivileges')).toEqual(['yes']);
    expect(s.get('ProtectSystem')).toEqual(['strict']);
    expect(s.get('ProtectHome')).toEqual(['yes']);
    expect(s.get('PrivateTmp')).toEqual(['yes']);
    expect(s.get('CapabilityBoundingSet')).toEqual(['']);
    expect(s.get('EnvironmentFile')?.[0]).toMatch(/^\/etc\/relay\/env\/[a-z-]+\.env$/);
  });

  it.each(['courier', 'dispatcher', 'locator', 'watch'])('has the %s pin a directory key, with a placeholder the service refuses until it is replaced', (service) => {
    const env = readFileSync(join(SYSTEMD, `relay-${service}.env.example`), 'utf8');
    const value = /^RELAY_DIRECTORY_KEY=(.*)$/m.exec(env)?.[1];
    expect(value).toBeDefined();
    expect(directoryKeysSchema.safeParse(value).success).toBe(false);
  });
});
