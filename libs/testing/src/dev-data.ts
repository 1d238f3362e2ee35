import { fileURLToPath } from 'node:url';
import { createUser } from '@nats-io/nkeys';
import { type Directory, type DirectoryFile, generateDirectoryKey, loadDirectoryFile, openDirectory, type SignedDirectory, signDirectory } from '@relay/directory';

/** The one place tests learn where the demo data of `deploy/dev/` is. */
const devFile = (name: string): string => fileURLToPath(new URL(`../../../deploy/dev/${name}`, import.meta.url));

/** The dev hotline directory (`deploy/dev/directory.json`): every INHOPE hotline, police and the Dutch authority. */
export const DEV_DIRECTORY_FILE = devFile('directory.json');

/** The dev intake sources (`deploy/dev/sources.json`), whose keys are {@link DEMO_KEYS}. */
export const DEV_SOURCES_FILE = devFile('sources.json');

/** The demo DNS zone (`deploy/dev/zone.json`) of the static resolver. */
export const DEV_ZONE_FILE = devFile('zone.json');

/** The demo API keys of `deploy/dev/sources.json` (public: listed in the README). */
export const DEMO_KEYS = {
  ncmec: 'demo-ncmec-46736cfad86967225733f35e5d789c18',
  eokm: 'demo-eokm-237e4e35b7044668047a8c1f097f320e',
  iwf: 'demo-iwf-8b68404bc446f9ca31e62088e913f663',
} as const;

/** The dev directory, parsed and validated (unsigned). */
export function devDirectory(): Directory {
  return loadDirectoryFile(DEV_DIRECTORY_FILE);
}

/** A directory signed by a fresh offline directory key, as services that pin `RELAY_DIRECTORY_KEY` require (decision 0105). */
export interface SignedTestDirectory {
  /** The opened directory, for `startRelay`'s `directory` (stores the signed form). */
  readonly directory: Directory;
  /** The signed document, to write to a `RELAY_DIRECTORY_FILE`. */
  readonly signed: SignedDirectory;
  /** The key: its public half goes into `RELAY_DIRECTORY_KEY`, its seed signs later revisions. */
  readonly key: { readonly seed: string; readonly publicKey: string };
}

/**
 * `file` (the dev directory by default) signed by a new directory key. A
 * signed directory must list signers (decision 0111): a file without any gets
 * a fresh test key listed for `locator`.
 */
export function signedDirectory(file: DirectoryFile = devDirectory().file): SignedTestDirectory {
  const key = generateDirectoryKey();
  const listed: DirectoryFile = Object.keys(file.signers ?? {}).length === 0 ? { ...file, signers: { locator: [createUser().getPublicKey()] } } : file;
  const signed = signDirectory(listed, new TextEncoder().encode(key.seed));
  return { directory: openDirectory(signed, key.publicKey), signed, key };
}
