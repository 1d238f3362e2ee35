import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Default folder of the prebuilt indexes (ASN, countries): `libs/geo/dist/data/`,
 * written by `npm run build` (the same path from `src/` and `dist/`).
 */
export const DEFAULT_INDEX_DIR = fileURLToPath(new URL('../dist/data/', import.meta.url));

/**
 * The bytes of an index file, 4-byte aligned for typed-array views, or
 * undefined when the file cannot be read (then the caller rebuilds it).
 */
export function readIndexBytes(path: string): Uint8Array | undefined {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  // A pooled Buffer may not be aligned.
  return bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
}

/** Writes beside the target and renames, so a reader never sees half a file. */
export function writeIndexFile(path: string, bytes: Uint8Array): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/**
 * Writes a freshly built index when `write` is true. Returns why writing
 * failed, if it did: the index is then used from memory and rebuilt next time.
 */
export function tryWriteIndexFile(path: string, bytes: Uint8Array, write: boolean): string | undefined {
  if (!write) return undefined;
  try {
    writeIndexFile(path, bytes);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
