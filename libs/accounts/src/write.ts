import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratedAccounts, GeneratedUser } from './generate.js';

/**
 * Writes the generated configuration and each user's credentials to `dir`:
 * `accounts.conf`, `users/<name>.nk` (the seed, mode 0600), `users/<name>.env`
 * (the NATS_* settings that user's software needs) and `signers.json` (public
 * keys per organisation, for verifying `Relay-Signature`).
 */
export async function writeAccounts(dir: string, generated: GeneratedAccounts, natsUrl: string): Promise<void> {
  const users = join(dir, 'users');
  await mkdir(users, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'accounts.conf'), generated.config);
  for (const u of generated.users) {
    const seedFile = join(users, `${u.name}.nk`);
    await writeFile(seedFile, `${u.seed}\n`, { mode: 0o600 });
    await chmod(seedFile, 0o600);
    await writeFile(join(users, `${u.name}.env`), envFile(u, natsUrl, seedFile), { mode: 0o600 });
  }
  const signers: Record<string, string[]> = {};
  for (const u of generated.users) (signers[u.org] ??= []).push(u.publicKey);
  await writeFile(join(dir, 'signers.json'), `${JSON.stringify(signers, null, 2)}\n`);
}

function envFile(u: GeneratedUser, natsUrl: string, seedFile: string): string {
  return [
    `# ${u.name}: ${u.role}`,
    `NATS_URL=${natsUrl}`,
    `NATS_NKEY_SEED_FILE=${seedFile}`,
    // The same nkey signs every message this user publishes (Relay-Signer).
    `RELAY_SIGNING_KEY_FILE=${seedFile}`,
    `NATS_INBOX_PREFIX=${u.inboxPrefix}`,
    `NATS_CLIENT_NAME=${u.name}`,
    '',
  ].join('\n');
}

/** Reads the seeds of an earlier generation in `dir` (name -> seed), to keep keys stable. */
export async function readExistingSeeds(dir: string): Promise<Map<string, string>> {
  const seeds = new Map<string, string>();
  const users = join(dir, 'users');
  const files = await readdir(users).catch(() => [] as string[]);
  for (const f of files.filter((x) => x.endsWith('.nk'))) seeds.set(f.slice(0, -3), (await readFile(join(users, f), 'utf8')).trim());
  return seeds;
}
