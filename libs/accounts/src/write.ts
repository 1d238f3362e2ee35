import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GeneratedAccounts, type GeneratedUser, signingKeyName, type SuppliedUser } from './generate.js';

/** The signing keys' public part by organisation, as the directory's `signers` section takes it. */
export type SignerKeys = Record<string, string[]>;

/**
 * The public signing keys of the users the operator generated, by
 * organisation: what goes into the directory's `signers` (tenants that keep
 * their own keys add theirs from `relay keys generate`). Never a login key
 * (decision 0108).
 */
export function signingKeysOf(generated: GeneratedAccounts): SignerKeys {
  const signers: SignerKeys = {};
  for (const u of generated.users) if (u.signingKey) (signers[u.org] ??= []).push(u.signingKey.publicKey);
  return signers;
}

async function writeSeed(file: string, seed: string): Promise<void> {
  await writeFile(file, `${seed}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/**
 * Writes the generated configuration and credentials to `dir`:
 * `accounts.conf`; for each user the operator generated `users/<name>.nk`
 * (the login seed, mode 0600), `users/<name>.signing.nk` (its signing seed)
 * and `users/<name>.env` (the NATS_* settings its software needs); for a
 * tenant that supplied its own key only `users/<name>.env`, without a seed
 * (a seed of an earlier generation is removed); and `signers.json` (the
 * generated signing keys by organisation, for the directory's `signers`).
 * @returns the seed files removed because the tenant now supplies its key.
 */
export async function writeAccounts(dir: string, generated: GeneratedAccounts, natsUrl: string): Promise<string[]> {
  const users = join(dir, 'users');
  await mkdir(users, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'accounts.conf'), generated.config);
  for (const u of generated.users) {
    const seedFile = join(users, `${u.name}.nk`);
    await writeSeed(seedFile, u.seed);
    const signingFile = u.signingKey && join(users, `${signingKeyName(u.name)}.nk`);
    if (u.signingKey && signingFile) await writeSeed(signingFile, u.signingKey.seed);
    await writeFile(join(users, `${u.name}.env`), envFile(u, natsUrl, seedFile, signingFile), { mode: 0o600 });
  }
  const removed: string[] = [];
  for (const u of generated.supplied) {
    for (const name of [u.name, signingKeyName(u.name)]) {
      const stale = join(users, `${name}.nk`);
      if (await rm(stale).then(() => true, () => false)) removed.push(stale);
    }
    await writeFile(join(users, `${u.name}.env`), envFile(u, natsUrl), { mode: 0o600 });
  }
  await writeFile(join(dir, 'signers.json'), `${JSON.stringify(signingKeysOf(generated), null, 2)}\n`);
  return removed;
}

function envFile(u: GeneratedUser | SuppliedUser, natsUrl: string, seedFile?: string, signingFile?: string): string {
  return [
    `# ${u.name}: ${u.role}`,
    `NATS_URL=${natsUrl}`,
    seedFile === undefined ? `# NATS_NKEY_SEED_FILE=<your login seed, whose public key ${u.publicKey} you handed over>` : `NATS_NKEY_SEED_FILE=${seedFile}`,
    // Signing is apart from the login: the key the directory lists for this organisation (decision 0108).
    signingFile === undefined ? '# RELAY_SIGNING_KEY_FILE=<your signing seed from `relay keys generate`, listed in the directory>' : `RELAY_SIGNING_KEY_FILE=${signingFile}`,
    `NATS_INBOX_PREFIX=${u.inboxPrefix}`,
    `NATS_CLIENT_NAME=${u.name}`,
    '',
  ].join('\n');
}

/** Reads the seeds of an earlier generation in `dir` (name -> seed; signing keys as `<name>.signing`), to keep keys stable. */
export async function readExistingSeeds(dir: string): Promise<Map<string, string>> {
  const seeds = new Map<string, string>();
  const users = join(dir, 'users');
  const files = await readdir(users).catch(() => [] as string[]);
  for (const f of files.filter((x) => x.endsWith('.nk'))) seeds.set(f.slice(0, -3), (await readFile(join(users, f), 'utf8')).trim());
  return seeds;
}
