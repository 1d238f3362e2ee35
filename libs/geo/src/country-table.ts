import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCountryColumns } from './country-index-build.js';
import { COUNTRY_INDEX_FORMAT, type CountryColumns, countrySourceFromColumns, decodeCountryIndex, encodeCountryIndex } from './country-index.js';
import { type EMBEDDED_DATASETS, embeddedDatasetPath } from './embedded-data.js';
import { GeoDataError } from './errors.js';
import { DEFAULT_INDEX_DIR, readIndexBytes, tryWriteIndexFile, writeIndexFile } from './index-file.js';
import type { CountrySource } from './sources.js';

/** The embedded country datasets (MaxMind DB files in npm packages). */
export type EmbeddedCountryDataset = (typeof EMBEDDED_DATASETS)['countryPrimary' | 'countrySecondary'];

/** Settings of {@link loadEmbeddedCountry}. */
export interface EmbeddedCountryOptions {
  /** Folder of the prebuilt indexes. Default `libs/geo/dist/data/`. */
  readonly indexDir?: string;
  /** Write the index when it had to be built from the database. Default true. */
  readonly writeIndex?: boolean;
}

/** How an embedded country dataset was loaded. */
export interface CountryLoad {
  readonly source: CountrySource;
  /** `index`: the prebuilt index; `mmdb`: built from the database now (first run only). */
  readonly from: 'index' | 'mmdb';
  readonly indexPath: string;
  /** Size of the index in memory, bytes. */
  readonly bytes: number;
  /** Why the index could not be written, when it could not. */
  readonly writeError?: string;
}

/** The index file for the installed release of `dataset`, and where its database is. */
export function countryIndexPath(
  dataset: EmbeddedCountryDataset,
  indexDir: string = DEFAULT_INDEX_DIR,
): { readonly path: string; readonly version: string; readonly dbPath: string; readonly name: string } {
  const { path: dbPath, version } = embeddedDatasetPath(dataset);
  const short = dataset.packageName.replace('@ip-location-db/', '');
  return { path: join(indexDir, `country-${short}-${version}-f${COUNTRY_INDEX_FORMAT}.bin`), version, dbPath, name: `${short} ${version}` };
}

/**
 * Loads an embedded country dataset as a sorted-range index: from the
 * prebuilt file when it exists for the installed release (a few ms),
 * otherwise by walking the MaxMind DB (a few hundred ms) and writing the
 * index for next time. Answers exactly what the `maxmind` reader answers for
 * the same database (see decision 0025).
 * @throws GeoDataError when neither the index nor the database can be read.
 */
export function loadEmbeddedCountry(dataset: EmbeddedCountryDataset, options: EmbeddedCountryOptions = {}): CountryLoad {
  const { path, version, dbPath, name } = countryIndexPath(dataset, options.indexDir);
  const index = readIndex(path);
  if (index?.columns.sourceVersion === version) {
    return { source: countrySourceFromColumns(name, index.columns), from: 'index', indexPath: path, bytes: index.bytes };
  }
  const encoded = encodeCountryIndex(buildFromDatabase(dbPath, version));
  const writeError = tryWriteIndexFile(path, encoded, options.writeIndex ?? true);
  const source = countrySourceFromColumns(name, decodeCountryIndex(encoded, path));
  return { source, from: 'mmdb', indexPath: path, bytes: encoded.byteLength, ...(writeError === undefined ? {} : { writeError }) };
}

/**
 * Builds the index of an embedded country dataset unless it exists: part of
 * `npm run build` in libs/geo, so services start fast on a fresh clone.
 * @throws GeoDataError when the database cannot be read or the index not written.
 */
export function ensureCountryIndex(dataset: EmbeddedCountryDataset, indexDir: string = DEFAULT_INDEX_DIR): { readonly path: string; readonly built: boolean } {
  const { path, version, dbPath } = countryIndexPath(dataset, indexDir);
  if (readIndex(path)?.columns.sourceVersion === version) return { path, built: false };
  const encoded = encodeCountryIndex(buildFromDatabase(dbPath, version));
  try {
    writeIndexFile(path, encoded);
  } catch (err) {
    throw new GeoDataError(path, `cannot write the country index: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return { path, built: true };
}

function buildFromDatabase(dbPath: string, version: string): CountryColumns {
  let db: Buffer;
  try {
    db = readFileSync(dbPath);
  } catch (err) {
    throw new GeoDataError(dbPath, `cannot read: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return buildCountryColumns(db, version, dbPath);
}

/** The index at `path`, or undefined when it is missing or unreadable (then it is rebuilt). */
function readIndex(path: string): { readonly columns: CountryColumns; readonly bytes: number } | undefined {
  const bytes = readIndexBytes(path);
  if (bytes === undefined) return undefined;
  try {
    return { columns: decodeCountryIndex(bytes, path), bytes: bytes.byteLength };
  } catch {
    return undefined;
  }
}
