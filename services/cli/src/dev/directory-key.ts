import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bus } from '@relay/bus';
import { type Directory, isDirectoryInvalidError, isDirectorySignatureError, loadDirectoryFile, openDirectory, publishDirectory, readDirectory, signDirectory } from '@relay/directory';
import { generateDirectoryKeyFile } from '../commands/directory-signing.js';
import { DevData } from './paths.js';

/** The dev stack's directory key and the dev directory signed by it. */
export interface DevDirectory {
  /** The public key the services pin (RELAY_DIRECTORY_KEY). */
  readonly publicKey: string;
  /** Where its seed is kept (`.relay/directory.nk`). */
  readonly seedFile: string;
  /** deploy/dev/directory.json signed, for RELAY_DIRECTORY_FILE. */
  readonly signedFile: string;
  readonly directory: Directory;
}

/**
 * Reuses (or makes) the dev directory key in the state folder and signs the
 * dev directory with it, so the dev stack runs as production does: services
 * pin a key and follow only what it signed (decision 0105).
 */
export async function prepareDevDirectory(stateDir: string): Promise<DevDirectory> {
  const seedFile = join(stateDir, 'directory.nk');
  if (!existsSync(seedFile)) await generateDirectoryKeyFile(seedFile);
  const seed = new TextEncoder().encode((await readFile(seedFile, 'utf8')).trim());
  const signed = signDirectory(loadDirectoryFile(DevData.directory).file, seed);
  const signedFile = join(stateDir, 'directory.signed.json');
  await writeFile(signedFile, `${JSON.stringify(signed, null, 2)}\n`);
  return { publicKey: signed.key, seedFile, signedFile, directory: openDirectory(signed, signed.key) };
}

/**
 * Stores the signed dev directory when what the dev server holds is not
 * signed by the dev key (a store from before directories were signed, or
 * from another key): otherwise the services would never get ready. Returns
 * true when it stored.
 */
export async function replaceUnsignedDirectory(bus: Bus, dev: DevDirectory): Promise<boolean> {
  try {
    await readDirectory(bus, dev.publicKey);
    return false;
  } catch (err) {
    // An invalid one is left alone, as before: the dispatcher reports it and an apply repairs it.
    if (isDirectoryInvalidError(err)) return false;
    if (!isDirectorySignatureError(err)) throw err;
    await publishDirectory(bus, dev.directory);
    return true;
  }
}
