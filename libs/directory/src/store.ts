import { readFileSync } from 'node:fs';
import { type Bus, type JsonBucket, openJsonBucket, readSignerListBytes } from '@relay/bus';
import { KvBucket, SIGNERS_KEY } from '@relay/wire';
import { type Directory, parseDirectory } from './directory.js';
import { DirectoryUnreadableError } from './errors.js';
import { type SignerList, signerListOf, signerListSchema } from './signers.js';

/** The key of the directory in {@link KvBucket.Directory}. */
export const DIRECTORY_KEY = 'current';

/** A directory as stored in KV, with the revision referrals record. */
export interface StoredDirectory {
  readonly directory: Directory;
  /** KV revision of the stored value (`Referral.directory_revision`). */
  readonly revision: number;
}

/**
 * Reads and validates a directory file (JSON).
 * @throws DirectoryUnreadableError when it cannot be read or is not JSON.
 * @throws DirectoryInvalidError naming every problem.
 */
export function loadDirectoryFile(path: string): Directory {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DirectoryUnreadableError(path, err);
  }
  return parseDirectory(raw, path);
}

async function bucketOf(bus: Bus): Promise<JsonBucket<unknown>> {
  return openJsonBucket<unknown>(bus, KvBucket.Directory);
}

/** Reads the stored directory, or undefined when none is stored. @throws DirectoryInvalidError */
export async function readDirectory(bus: Bus): Promise<StoredDirectory | undefined> {
  const got = await (await bucketOf(bus)).get(DIRECTORY_KEY);
  if (!got) return undefined;
  return { directory: parseDirectory(got.value, `KV ${KvBucket.Directory}/${DIRECTORY_KEY} revision ${got.revision}`), revision: got.revision };
}

/**
 * Stores a validated directory as the current one; every dispatcher picks it
 * up without a restart. Returns the new revision.
 */
export async function publishDirectory(bus: Bus, directory: Directory): Promise<number> {
  const revision = await (await bucketOf(bus)).put(DIRECTORY_KEY, directory.file);
  await exportSigners(bus, directory);
  return revision;
}

/**
 * Writes the directory's public signer list (key `signers`, decision 0103)
 * unless it is already what is stored: tenants read it to verify what they
 * receive. Returns true when it wrote.
 */
export async function exportSigners(bus: Bus, directory: Directory): Promise<boolean> {
  const bucket = await bucketOf(bus);
  const list = signerListOf(directory);
  const stored = await bucket.get(SIGNERS_KEY);
  if (stored && JSON.stringify(stored.value) === JSON.stringify(list)) return false;
  await bucket.put(SIGNERS_KEY, list);
  return true;
}

/**
 * Reads the public signer list as a tenant may (a direct get of one key).
 * Undefined when none is stored.
 * @throws DirectoryInvalidError-like zod error when the stored list is malformed; whatever the request throws.
 */
export async function readSignerList(bus: Bus): Promise<SignerList | undefined> {
  const bytes = await readSignerListBytes(bus);
  if (!bytes) return undefined;
  return signerListSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
}

/**
 * Stores `directory` only when none is stored yet (compare-and-set, so
 * several starting services agree); an operator's directory is never
 * overwritten. Returns the revision in force and whether this call stored it.
 */
export async function seedDirectory(bus: Bus, directory: Directory): Promise<{ revision: number; seeded: boolean }> {
  let seeded = false;
  const result = await (await bucketOf(bus)).update(DIRECTORY_KEY, (current) => {
    seeded = current === undefined;
    return seeded ? directory.file : undefined;
  });
  if (seeded) await exportSigners(bus, directory);
  return { revision: result?.revision ?? 0, seeded };
}

/** A live view of the stored directory. */
export interface DirectoryWatch {
  /** The latest valid directory, or undefined before one is stored. */
  current(): StoredDirectory | undefined;
  stop(): void;
}

/** What {@link watchDirectory} reports. */
export interface DirectoryWatchEvents {
  /** A new valid directory is in force. */
  onChange?(stored: StoredDirectory): void;
  /** A stored value failed validation; the previous directory stays in force. */
  onInvalid?(err: unknown, revision: number): void;
}

/**
 * Reads the stored directory and follows every change. An invalid value
 * (written around `relay directory apply`) is reported and ignored: routing
 * goes on with the last valid directory.
 */
export async function watchDirectory(bus: Bus, events: DirectoryWatchEvents = {}): Promise<DirectoryWatch> {
  const bucket = await bucketOf(bus);
  let current: StoredDirectory | undefined;
  const apply = (value: unknown, revision: number): void => {
    if (current && revision <= current.revision) return;
    try {
      current = { directory: parseDirectory(value, `KV ${KvBucket.Directory}/${DIRECTORY_KEY} revision ${revision}`), revision };
      events.onChange?.(current);
    } catch (err) {
      events.onInvalid?.(err, revision);
    }
  };
  const initial = await bucket.get(DIRECTORY_KEY);
  if (initial) apply(initial.value, initial.revision);
  // Not updates-only: a change between the get and the watch is delivered too.
  const changes = await bucket.watch();
  void (async () => {
    for await (const change of changes) {
      if (change.key === DIRECTORY_KEY && change.value !== undefined) apply(change.value, change.revision);
    }
  })();
  return { current: () => current, stop: () => changes.stop() };
}
