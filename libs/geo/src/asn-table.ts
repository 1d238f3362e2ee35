import { join } from 'node:path';
import { buildAsnColumns } from './asn-index-build.js';
import { ASN_INDEX_FORMAT, type AsnColumns, asnSourceFromColumns, decodeAsnIndex, encodeAsnIndex } from './asn-index.js';
import { EMBEDDED_DATASETS, embeddedDatasetPath } from './embedded-data.js';
import { GeoDataError } from './errors.js';
import { DEFAULT_INDEX_DIR, readIndexBytes, tryWriteIndexFile, writeIndexFile } from './index-file.js';
import type { AsnSource } from './sources.js';

/** Default folder of the prebuilt ASN index: `libs/geo/dist/data/`, written by `npm run build`. */
export const DEFAULT_ASN_INDEX_DIR = DEFAULT_INDEX_DIR;

/** Settings of {@link loadEmbeddedAsn}. */
export interface EmbeddedAsnOptions {
  /** Folder of the prebuilt index. Default {@link DEFAULT_ASN_INDEX_DIR}. */
  readonly indexDir?: string;
  /** Write the index when it had to be built from the CSV. Default true. */
  readonly writeIndex?: boolean;
}

/** How the embedded ASN table was loaded. */
export interface AsnLoad {
  readonly source: AsnSource;
  /** `index`: the prebuilt binary index; `csv`: parsed from the CSV (slow; first run only). */
  readonly from: 'index' | 'csv';
  readonly indexPath: string;
  /** Size of the table in memory, bytes. */
  readonly bytes: number;
  /** Why the index could not be written, when it could not. */
  readonly writeError?: string;
}

/** The index file for the installed `@ip-location-db/asn` release. */
export function asnIndexPath(indexDir: string = DEFAULT_ASN_INDEX_DIR): { readonly path: string; readonly version: string; readonly csvDir: string } {
  const { path: csvDir, version } = embeddedDatasetPath(EMBEDDED_DATASETS.asn);
  return { path: join(indexDir, `asn-${version}-f${ASN_INDEX_FORMAT}.bin`), version, csvDir };
}

/**
 * Loads the embedded IP -> ASN table: from the prebuilt index when it exists
 * for the installed data release (a few ms), otherwise by parsing the CSV
 * (about 1.5 s) and writing the index for next time. The index file name
 * carries the data release and the format, so an `npm update` of the data
 * never reads a stale index.
 * @throws GeoDataError when neither the index nor the CSV can be read.
 */
export async function loadEmbeddedAsn(options: EmbeddedAsnOptions = {}): Promise<AsnLoad> {
  const { path, version, csvDir } = asnIndexPath(options.indexDir);
  const name = `${EMBEDDED_DATASETS.asn.packageName} ${version}`;
  const index = readIndex(path);
  if (index?.columns.sourceVersion === version) {
    return { source: asnSourceFromColumns(name, index.columns), from: 'index', indexPath: path, bytes: index.bytes };
  }
  const encoded = encodeAsnIndex(await buildAsnColumns(csvDir, version));
  const writeError = tryWriteIndexFile(path, encoded, options.writeIndex ?? true);
  const source = asnSourceFromColumns(name, decodeAsnIndex(encoded, path));
  return { source, from: 'csv', indexPath: path, bytes: encoded.byteLength, ...(writeError === undefined ? {} : { writeError }) };
}

/**
 * Builds the index for the installed data release unless it exists: the
 * build step (`npm run build` in libs/geo) runs this, so services start fast
 * on a fresh clone without network access.
 * @throws GeoDataError when the CSV cannot be read or the index not written.
 */
export async function ensureAsnIndex(indexDir: string = DEFAULT_ASN_INDEX_DIR): Promise<{ readonly path: string; readonly built: boolean }> {
  const { path, version, csvDir } = asnIndexPath(indexDir);
  if (readIndex(path)?.columns.sourceVersion === version) return { path, built: false };
  try {
    writeIndexFile(path, encodeAsnIndex(await buildAsnColumns(csvDir, version)));
  } catch (err) {
    if (err instanceof GeoDataError) throw err;
    throw new GeoDataError(path, `cannot write the ASN index: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return { path, built: true };
}

/** The index at `path`, or undefined when it is missing or unreadable (then it is rebuilt). */
function readIndex(path: string): { readonly columns: AsnColumns; readonly bytes: number } | undefined {
  const bytes = readIndexBytes(path);
  if (bytes === undefined) return undefined;
  try {
    return { columns: decodeAsnIndex(bytes, path), bytes: bytes.byteLength };
  } catch {
    return undefined;
  }
}
