// A scratch copy of deploy/ laid out as an operator's base folder (/etc/relay):
// the committed configs plus the secrets nobody commits, made the way the
// operator makes them: certificates by deploy/tls/make-dev-ca.sh, accounts by
// libs/accounts (what `relay accounts generate` runs).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type GeneratedAccounts, generateAccounts, type Tenants, writeAccounts } from '@relay/accounts';

const run = promisify(execFile);

/** deploy/ in this repository. */
export const REPO_DEPLOY = fileURLToPath(new URL('../../deploy', import.meta.url));

/** The tenants the scratch accounts are generated for. */
export const TENANTS: Tenants = {
  hotlines: [
    { id: 'eokm', country: 'NL' },
    { id: 'iwf', country: 'GB' },
  ],
  policeCountries: ['NL', 'GB'],
  authorityCountries: ['NL'],
  operators: ['alice'],
};

/**
 * An encryption-at-rest key in the documented format (docs/operations.md):
 * `js-` + 64 hex characters. Without the prefix, a key starting with a digit is
 * parsed by nats-server as a number and the server refuses to start.
 */
export function jsKey(): string {
  return `js-${randomBytes(32).toString('hex')}`;
}

/** A prepared base folder. */
export interface DeployCopy {
  /** The base folder: nats-server runs with this as its working directory. */
  readonly base: string;
  readonly accounts: GeneratedAccounts;
  /** Environment nats-server needs for these configs (RELAY_JS_KEY). */
  readonly serverEnv: NodeJS.ProcessEnv;
  /** Path of a file in the base folder. */
  path(...parts: string[]): string;
  dispose(): Promise<void>;
}

/**
 * Copies deploy/ to a temp folder, makes the dev CA and certificates into
 * `secrets/tls` with the committed script, and writes generated accounts
 * (accounts.conf, seeds) into `secrets/accounts`.
 */
export async function prepareDeployCopy(): Promise<DeployCopy> {
  const base = await mkdtemp(join(tmpdir(), 'relay-deploy-'));
  await cp(REPO_DEPLOY, base, { recursive: true, filter: (src) => !relative(REPO_DEPLOY, src).startsWith('secrets') });
  await run('bash', [join(base, 'tls', 'make-dev-ca.sh'), join(base, 'secrets', 'tls')]);
  const accounts = generateAccounts(TENANTS, new Map(), { generateTenantKeys: true });
  await writeAccounts(join(base, 'secrets', 'accounts'), accounts, 'tls://n1.nats.relay.internal:4222');
  return {
    base,
    accounts,
    serverEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', RELAY_JS_KEY: jsKey() },
    path: (...parts) => join(base, ...parts),
    dispose: () => rm(base, { recursive: true, force: true }),
  };
}

/** Every file under `dir` (recursively) whose name ends with `suffix`, as paths relative to `dir`, sorted. */
export function filesUnder(dir: string, suffix: string): string[] {
  const found: string[] = [];
  const walk = (sub: string): void => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(suffix)) found.push(rel);
    }
  };
  walk('');
  return found.sort();
}
