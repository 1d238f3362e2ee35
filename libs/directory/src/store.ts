import { readFileSync } from 'node:fs';
import { type Bus, type JsonBucket, openJsonBucket, readSignerListBytes } from '@relay/bus';
import { KvBucket, SIGNERS_KEY } from '@relay/wire';
import type { Directory } from './directory.js';
import { DirectorySignatureError, DirectorySignatureProblem, DirectoryUnreadableError } from './errors.js';
import { openDirectory, openSignerList } from './signed.js';
import type { DirectoryKeys } from './signed-form.js';
import { type SignerList, signerListOf } from './signers.js';

/** The key of the directory in {@link KvBucket.Directory}. */
export const DIRECTORY_KEY = 'current';

/** A directory as stored in KV, with the revision referrals record. */
export interface StoredDirectory {
  readonly directory: Directory;
  /** KV revision of the stored value (`Referral.directory_revision`). */
  readonly revision: number;
}

/**
 * Reads and validates a directory file (JSON): a plain directory, or one
 * signed by `relay directory sign`. With `key` (the pinned directory key)
 * only a directory signed by that key is accepted.
 * @throws DirectoryUnreadableError when it cannot be read or is not JSON.
 * @throws DirectoryInvalidError naming every problem.
 * @throws DirectorySignatureError when unsigned under a pinned key, wrongly signed or tampered with.
 */
export function loadDirectoryFile(path: string, key?: DirectoryKeys): Directory {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DirectoryUnreadableError(path, err);
  }
  return openDirectory(raw, key, path);
}

async function bucketOf(bus: Bus): Promise<JsonBucket<unknown>> {
  return openJsonBucket<unknown>(bus, KvBucket.Directory);
}

/**
 * Reads the stored directory, or undefined when none is stored. With `key`
 * only a directory signed by that key is accepted.
 * @throws DirectoryInvalidError
 * @throws DirectorySignatureError
 */
export async function readDirectory(bus: Bus, key?: DirectoryKeys): Promise<StoredDirectory | undefined> {
  const got = await (await bucketOf(bus)).get(DIRECTORY_KEY);
  if (!got) return undefined;
  return { directory: openDirectory(got.value, key, `KV ${KvBucket.Directory}/${DIRECTORY_KEY} revision ${got.revision}`), revision: got.revision };
}

/**
 * Stores a validated directory as the current one; every dispatcher picks it
 * up without a restart. Returns the new revision.
 */
export async function publishDirectory(bus: Bus, directory: Directory): Promise<number> {
  const revision = await (await bucketOf(bus)).put(DIRECTORY_KEY, directory.signed ?? directory.file);
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
  // A signed directory carries its signed list: stored as is, so tenants can check it with the pinned key.
  const list = directory.signed?.signers ?? signerListOf(directory);
  const stored = await bucket.get(SIGNERS_KEY);
  if (stored && JSON.stringify(stored.value) === JSON.stringify(list)) return false;
  await bucket.put(SIGNERS_KEY, list);
  return true;
}

/**
 * Reads the public signer list as a tenant may (a direct get of one key).
 * Undefined when none is stored. With `key` (the pinned directory key) only
 * a list signed by that key is accepted.
 * @throws DirectorySignatureError when unsigned under a pinned key, wrongly signed or tampered with.
 * @throws a zod error when the stored list is malformed; whatever the request throws.
 */
export async function readSignerList(bus: Bus, key?: DirectoryKeys): Promise<SignerList | undefined> {
  const bytes = await readSignerListBytes(bus);
  if (!bytes) return undefined;
  return openSignerList(JSON.parse(new TextDecoder().decode(bytes)), key);
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
    return seeded ? (directory.signed ?? directory.file) : undefined;
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
  /** A stored value failed validation or its signature check; the previous directory stays in force. */
  onInvalid?(err: unknown, revision: number): void;
  /** The pinned directory key(s): only revisions signed by one of them are followed. */
  key?: DirectoryKeys;
}

/**
 * Reads the stored directory and follows every change. An invalid value
 * (written around `relay directory apply`), or under a pinned key an
 * unsigned, wrongly signed, tampered or older-signed one, is reported and
 * ignored: routing goes on with the last valid directory.
 */
export async function watchDirectory(bus: Bus, events: DirectoryWatchEvents = {}): Promise<DirectoryWatch> {
  const bucket = await bucketOf(bus);
  let current: StoredDirectory | undefined;
  const apply = (value: unknown, revision: number): void => {
    if (current && revision <= current.revision) return;
    try {
      const where = `KV ${KvBucket.Directory}/${DIRECTORY_KEY} revision ${revision}`;
      const directory = openDirectory(value, events.key, where);
      // A validly signed but older revision put back (rollback) is refused: signing times only move forward.
      const before = current?.directory.signed?.signedAt;
      if (before !== undefined && directory.signed && Date.parse(directory.signed.signedAt) < Date.parse(before)) {
        throw new DirectorySignatureError(where, DirectorySignatureProblem.Rollback);
      }
      current = { directory, revision };
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
