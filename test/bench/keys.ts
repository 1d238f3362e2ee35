// The bench's keys, so every suite measures with provenance on as production
// runs (decision 0111): each service signs what it publishes with its own
// signing key, the locator and dispatcher pin a directory key and follow only
// a directory it signed, listing every signing key as `signers`, and the
// bench's own publishers sign as the organisation the service expects.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signingKeysOf } from '@relay/accounts';
import { type Bus, busConfigFromEnv, connectBus } from '@relay/bus';
import { type Directory, type DirectoryFile, loadDirectoryFile } from '@relay/directory';
import { makeTestAccounts, serviceSigningEnv } from '../e2e/harness/accounts.js';

/** The operator whose signing key the bench's operator verbs (`relay reroute`) use. */
export const BENCH_OPERATOR = 'operator-bench';

/** Generated signing keys and a directory key for one bench run. */
export interface BenchKeys {
  /** The pinned directory key's public half (`RELAY_DIRECTORY_KEY`). */
  readonly directoryKey: string;
  /** The dev directory, signed with every signing key as its `signers`. */
  readonly devDirectory: Directory;
  /** `file` with every signing key as its `signers`, signed by the pinned directory key (what `relay directory sign` makes). */
  signed(file: DirectoryFile): Directory;
  /**
   * The environment service `name` runs with: its signing key, the pinned
   * directory key, then `env`; a `RELAY_DIRECTORY_FILE` in `env` (the
   * directory as an operator edits it) is replaced by a signed copy.
   */
  serviceEnv(name: string, env: Readonly<Record<string, string>>): Promise<Record<string, string>>;
  /** Where user `user`'s signing seed is (`gateway`, `locator`, `dispatcher`, `operator-bench`...). */
  signingKeyFile(user: string): string;
  /** A connection to `natsUrl` signing what it publishes as `user`. */
  connectAs(user: string, natsUrl: string): Promise<Bus>;
  /** Deletes the keys. */
  dispose(): Promise<void>;
}

/** Generates the keys of every organisation of the dev directory, and the bench operator's, into a temporary folder. */
export async function makeBenchKeys(): Promise<BenchKeys> {
  const accounts = await makeTestAccounts({ operators: ['bench'] });
  const signers = signingKeysOf(accounts.generated);
  const services: Readonly<Record<string, Readonly<Record<string, string>>>> = serviceSigningEnv(accounts);
  const signed = (file: DirectoryFile): Directory => accounts.signed({ ...file, signers });
  let copies = 0;
  return {
    directoryKey: accounts.directoryKey.publicKey,
    devDirectory: signed(accounts.directory.file),
    signed,
    serviceEnv: async (name, env) => {
      const out: Record<string, string> = { ...services[name], ...env };
      const file = env['RELAY_DIRECTORY_FILE'];
      if (file !== undefined) {
        const copy = join(accounts.dir, `directory-signed-${++copies}.json`);
        await writeFile(copy, JSON.stringify(signed(loadDirectoryFile(file).file).signed));
        out['RELAY_DIRECTORY_FILE'] = copy;
      }
      return out;
    },
    signingKeyFile: (user) => accounts.signingKeyFile(user),
    connectAs: (user, natsUrl) => connectBus(busConfigFromEnv({ NATS_URL: natsUrl, RELAY_SIGNING_KEY_FILE: accounts.signingKeyFile(user) }, `bench-as-${user}`)),
    dispose: () => accounts.dispose(),
  };
}
