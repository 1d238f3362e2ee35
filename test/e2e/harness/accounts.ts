import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GeneratedAccounts, type GeneratedUser, generateAccounts, signingKeyName, signingKeysOf, type Tenants } from '@relay/accounts';
import { type Bus, busConfigFromEnv, connectBus, ensureTenantConsumers, ensureTopology } from '@relay/bus';
import { devDirectory } from '@relay/testing';
import { type Directory, type DirectoryFile, generateDirectoryKey, openDirectory, signDirectory, tenantsOf } from '@relay/directory';

/**
 * The generated nkey accounts of the dev directory, written to a folder the
 * way `relay accounts generate --generate-tenant-keys` writes them: a login
 * seed and a separate signing seed per user, and a copy of the directory that
 * lists every user's signing key (never a login key, decision 0108), so every
 * service verifies provenance.
 */
export interface TestAccounts {
  readonly dir: string;
  readonly generated: GeneratedAccounts;
  readonly tenants: Tenants;
  readonly directory: Directory;
  /** The directory file with its `signers` section, signed by the directory key, for `RELAY_DIRECTORY_FILE`. */
  readonly directoryFile: string;
  /** The directory key the services pin (`RELAY_DIRECTORY_KEY`); its seed signs every revision a test applies. */
  readonly directoryKey: { readonly seed: string; readonly publicKey: string };
  /** `file` signed by the directory key, ready for `publishDirectory` (what `relay directory sign` + `apply` store). */
  signed(file: DirectoryFile): Directory;
  /** One generated user by name (`hotline-eokm`, `gateway`, `admin`, `break-glass`, `operator-alice`). */
  user(name: string): GeneratedUser;
  /** One generated user's signing key (apart from its login key), by user name. */
  signingKey(name: string): { readonly publicKey: string; readonly seed: string };
  /** The NATS settings a user's software runs with: its login seed, inbox prefix and signing key. */
  envOf(name: string, natsUrl: string): Record<string, string>;
  /** Where a user's signing key seed is written (apart from its login seed, decision 0108). */
  signingKeyFile(name: string): string;
  /** A libs/bus connection as `name`. */
  busAs(name: string, natsUrl: string): Promise<Bus>;
  /** Deletes the folder. */
  dispose(): Promise<void>;
}

/** Generates the accounts of the dev directory (operators: `alice`) into a temporary folder. */
export async function makeTestAccounts(options: { operators?: readonly string[] } = {}): Promise<TestAccounts> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-accounts-'));
  const directory = devDirectory();
  const tenants: Tenants = { ...tenantsOf(directory), operators: [...(options.operators ?? ['alice'])] };
  const generated = generateAccounts(tenants, new Map(), { generateTenantKeys: true });
  await mkdir(join(dir, 'users'), { recursive: true, mode: 0o700 });
  for (const u of generated.users) {
    await writeFile(join(dir, 'users', `${u.name}.nk`), u.seed, { mode: 0o600 });
    if (u.signingKey) await writeFile(join(dir, 'users', `${signingKeyName(u.name)}.nk`), u.signingKey.seed, { mode: 0o600 });
  }
  const signers = signingKeysOf(generated);
  const directoryFile = join(dir, 'directory.json');
  const directoryKey = generateDirectoryKey();
  const signed = (file: DirectoryFile): Directory => openDirectory(signDirectory(file, new TextEncoder().encode(directoryKey.seed)), directoryKey.publicKey);
  await writeFile(directoryFile, JSON.stringify(signed({ ...directory.file, signers }).signed));
  const user = (name: string): GeneratedUser => {
    const u = generated.users.find((x) => x.name === name);
    if (!u) throw new Error(`no generated user ${name}`);
    return u;
  };
  const signingKey = (name: string): { publicKey: string; seed: string } => {
    const key = user(name).signingKey;
    if (!key) throw new Error(`generated user ${name} has no signing key`);
    return key;
  };
  const signingKeyFile = (name: string): string => join(dir, 'users', `${signingKeyName(user(name).name)}.nk`);
  const envOf = (name: string, natsUrl: string): Record<string, string> => {
    const u = user(name);
    const signing = u.signingKey ? { RELAY_SIGNING_KEY_FILE: signingKeyFile(name) } : {};
    return { NATS_URL: natsUrl, NATS_NKEY_SEED_FILE: join(dir, 'users', `${u.name}.nk`), NATS_INBOX_PREFIX: u.inboxPrefix, ...signing };
  };
  return {
    dir,
    generated,
    tenants,
    directory,
    directoryFile,
    directoryKey,
    signed,
    user,
    signingKey,
    envOf,
    signingKeyFile,
    busAs: (name, natsUrl) => connectBus(busConfigFromEnv(envOf(name, natsUrl), name)),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Provisions a server running the generated accounts as production does:
 * the admin identity creates every stream, bucket and tenant consumer (the
 * services may not), then disconnects.
 */
export async function provisionAsAdmin(accounts: TestAccounts, natsUrl: string, replicas: 1 | 3 = 1): Promise<void> {
  const admin = await accounts.busAs('admin', natsUrl);
  try {
    // Idempotent, so a JetStream API timeout (a cluster electing its leaders on a busy machine) is retried.
    for (let attempt = 1; ; attempt++) {
      try {
        await ensureTopology(admin, { replicas });
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
    await ensureTenantConsumers(admin, accounts.tenants);
  } finally {
    await admin.close();
  }
}

/** The environment of each pipeline service running as its generated user, with the signed directory and its pinned key. */
export function serviceAccountEnv(accounts: TestAccounts, natsUrl: string): Record<'gateway' | 'locator' | 'dispatcher', Record<string, string>> {
  const key = { RELAY_DIRECTORY_KEY: accounts.directoryKey.publicKey };
  return {
    gateway: accounts.envOf('gateway', natsUrl),
    locator: { ...accounts.envOf('locator', natsUrl), ...key },
    dispatcher: { ...accounts.envOf('dispatcher', natsUrl), ...key, RELAY_DIRECTORY_FILE: accounts.directoryFile },
  };
}

/**
 * The same services on a server without accounts: no NATS users, but each service signs with its
 * generated key and pins the directory key, as no dispatcher or locator runs without one (decision 0111).
 */
export function serviceSigningEnv(accounts: TestAccounts): Record<'gateway' | 'locator' | 'dispatcher', Record<string, string>> {
  const signing = (name: string) => ({ RELAY_SIGNING_KEY_FILE: accounts.signingKeyFile(name) });
  const key = { RELAY_DIRECTORY_KEY: accounts.directoryKey.publicKey };
  return {
    gateway: signing('gateway'),
    locator: { ...signing('locator'), ...key },
    dispatcher: { ...signing('dispatcher'), ...key, RELAY_DIRECTORY_FILE: accounts.directoryFile },
  };
}
