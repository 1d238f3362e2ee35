import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromSeed } from '@nats-io/nkeys';
import { generateSigningKey } from '../commands/keys.js';
import { DEMO_API_KEYS } from './demo-keys.js';
import { DEV_SERVICES } from './paths.js';

/** The organisations that sign in the dev stack: its services and the demo tenants (their statuses). */
export const DEV_SIGNERS = [...DEV_SERVICES, ...(Object.keys(DEMO_API_KEYS) as (keyof typeof DEMO_API_KEYS)[])] as const;
export type DevSigner = (typeof DEV_SIGNERS)[number];

/** One dev signer's message-signing key: its seed file (RELAY_SIGNING_KEY_FILE) and public key. */
export interface DevSigningKey {
  readonly seedFile: string;
  readonly publicKey: string;
}

/** Where the dev signing keys are kept: `<stateDir>/keys`. */
export function devSigningKeysDir(stateDir: string): string {
  return join(stateDir, 'keys');
}

/**
 * Reuses (or makes) a message-signing key for every dev signer in
 * `<stateDir>/keys/<org>.nk` (0600, as `relay keys generate` writes them), so
 * the dev directory can list them as `signers` and every service verifies
 * provenance, as in production (decision 0111).
 */
export async function prepareDevSigningKeys(stateDir: string): Promise<Record<DevSigner, DevSigningKey>> {
  const dir = devSigningKeysDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const entries = await Promise.all(
    DEV_SIGNERS.map(async (org) => {
      const seedFile = join(dir, `${org}.nk`);
      if (!existsSync(seedFile)) await generateSigningKey(seedFile);
      const publicKey = fromSeed(new TextEncoder().encode((await readFile(seedFile, 'utf8')).trim())).getPublicKey();
      return [org, { seedFile, publicKey }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<DevSigner, DevSigningKey>;
}
