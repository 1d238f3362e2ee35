import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromSeed } from '@nats-io/nkeys';
import { generateSigningKey } from '../commands/keys.js';
import { DEMO_API_KEYS } from './demo-keys.js';
import { DEV_SERVICES } from './paths.js';

/** The operator who signs what the CLI publishes against the dev stack (replays, reroute's rechecks, redrives). */
export const DEV_OPERATOR = 'operator-dev';

/** The organisations that sign in the dev stack: its services, the demo tenants (their statuses) and its operator. */
export const DEV_SIGNERS = [...DEV_SERVICES, ...(Object.keys(DEMO_API_KEYS) as (keyof typeof DEMO_API_KEYS)[]), DEV_OPERATOR] as const;
export type DevSigner = (typeof DEV_SIGNERS)[number];

/** One dev signer's message-signing key: its seed file (RELAY_SIGNING_KEY_FILE) and public key. */
export interface DevSigningKey {
  readonly seedFile: string;
  readonly publicKey: string;
}

/** The key of every dev signer, and of each hotline with a console sign-in (its ICCAM buttons sign as it). */
export type DevSigningKeys = Readonly<Record<DevSigner, DevSigningKey>> & Readonly<Record<string, DevSigningKey>>;

/** Where the dev signing keys are kept: `<stateDir>/keys`. */
export function devSigningKeysDir(stateDir: string): string {
  return join(stateDir, 'keys');
}

/** The dev operator's signing key file: what the CLI signs with when it talks to the dev stack. */
export function devOperatorKeyFile(stateDir: string): string {
  return join(devSigningKeysDir(stateDir), `${DEV_OPERATOR}.nk`);
}

/**
 * Reuses (or makes) a message-signing key for every dev signer and each of
 * `consoleHotlines` (the hotlines with a console sign-in, decision 0148) in
 * `<stateDir>/keys/<org>.nk` (0600, as `relay keys generate` writes them), so
 * the dev directory can list them as `signers` and every service verifies
 * provenance, as in production (decision 0111).
 */
export async function prepareDevSigningKeys(stateDir: string, consoleHotlines: readonly string[] = []): Promise<DevSigningKeys> {
  const dir = devSigningKeysDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const orgs = [...new Set<string>([...DEV_SIGNERS, ...consoleHotlines])];
  const entries = await Promise.all(
    orgs.map(async (org) => {
      const seedFile = join(dir, `${org}.nk`);
      if (!existsSync(seedFile)) await generateSigningKey(seedFile);
      const publicKey = fromSeed(new TextEncoder().encode((await readFile(seedFile, 'utf8')).trim())).getPublicKey();
      return [org, { seedFile, publicKey }] as const;
    }),
  );
  return Object.fromEntries(entries) as DevSigningKeys;
}
