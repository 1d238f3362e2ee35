import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bus } from '@relay/bus';
import { type Directory, type DirectoryFile, isDirectoryInvalidError, isDirectorySignatureError, loadDirectoryFile, openDirectory, publishDirectory, readDirectory, signDirectory } from '@relay/directory';
import { generateDirectoryKeyFile } from '../commands/directory-signing.js';
import { DevData } from './paths.js';
import { type DevSigningKeys, prepareDevSigningKeys } from './signing-keys.js';

/** The dev stack's directory key and the dev directory signed by it. */
export interface DevDirectory {
  /** The public key the services pin (RELAY_DIRECTORY_KEY). */
  readonly publicKey: string;
  /** Where its seed is kept (`.relay/directory.nk`). */
  readonly seedFile: string;
  /** deploy/dev/directory.json with the dev signers listed, signed, for RELAY_DIRECTORY_FILE. */
  readonly signedFile: string;
  readonly directory: Directory;
  /** The message-signing key of each service, demo tenant and hotline with a console sign-in, listed in the directory's `signers`. */
  readonly signingKeys: DevSigningKeys;
}

/**
 * Reuses (or makes) the dev directory key and the dev signing keys in the
 * state folder (also one for each of `consoleHotlines`), lists the signing
 * keys as the dev directory's `signers` and signs it, so the dev stack runs as
 * production does: services pin a key, follow only what it signed, and verify
 * every message (decisions 0105, 0111).
 */
export async function prepareDevDirectory(stateDir: string, webhookPort?: number, consoleHotlines: readonly string[] = []): Promise<DevDirectory> {
  const seedFile = join(stateDir, 'directory.nk');
  if (!existsSync(seedFile)) await generateDirectoryKeyFile(seedFile);
  const seed = new TextEncoder().encode((await readFile(seedFile, 'utf8')).trim());
  const signingKeys = await prepareDevSigningKeys(stateDir, consoleHotlines);
  const file = onWebhookPort(loadDirectoryFile(DevData.directory).file, webhookPort);
  const signers = Object.fromEntries(Object.entries(signingKeys).map(([org, k]) => [org, [k.publicKey]]));
  const signed = signDirectory({ ...file, signers: { ...file.signers, ...signers } }, seed);
  const signedFile = join(stateDir, 'directory.signed.json');
  await writeFile(signedFile, `${JSON.stringify(signed, null, 2)}\n`);
  return { publicKey: signed.key, seedFile, signedFile, directory: openDirectory(signed, signed.key), signingKeys };
}

/** The dev directory with its loopback webhook endpoints on the dev stack's receiver port (`--webhook-port`). */
function onWebhookPort(file: DirectoryFile, port: number | undefined): DirectoryFile {
  if (port === undefined) return file;
  return {
    ...file,
    hotlines: file.hotlines.map((h) => {
      if (h.delivery === undefined) return h;
      const url = new URL(h.delivery.url);
      if (url.hostname !== '127.0.0.1') return h;
      url.port = String(port);
      return { ...h, delivery: { ...h.delivery, url: url.toString() } };
    }),
  };
}

/** True when `directory` lists every dev signing key for its organisation. */
function listsDevKeys(directory: Directory, dev: DevDirectory): boolean {
  return Object.entries(dev.signingKeys).every(([org, k]) =>
    (directory.data.signers[org] ?? []).some((entry) => (typeof entry === 'string' ? entry : entry.key) === k.publicKey),
  );
}

/**
 * Stores the signed dev directory when what the dev server holds is not
 * signed by the dev key (a store from before directories were signed, or
 * from another key), has no signers (from before decision 0111), or does not
 * list the dev signing keys (their files were deleted): otherwise the
 * services would never get ready, or refuse every message. Returns true when
 * it stored.
 */
export async function replaceUnsignedDirectory(bus: Bus, dev: DevDirectory): Promise<boolean> {
  try {
    const stored = await readDirectory(bus, dev.publicKey);
    if (!stored || listsDevKeys(stored.directory, dev)) return false;
    await publishDirectory(bus, dev.directory);
    return true;
  } catch (err) {
    // An invalid one is left alone, as before: the dispatcher reports it and an apply repairs it.
    if (isDirectoryInvalidError(err)) return false;
    if (!isDirectorySignatureError(err)) throw err;
    await publishDirectory(bus, dev.directory);
    return true;
  }
}
