import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GeoDataError } from './errors.js';

/** One dataset shipped as an npm package, with what its licence asks us to say. */
export interface EmbeddedDataset {
  readonly packageName: string;
  /** File inside the package (the combined IPv4 + IPv6 database, or a CSV folder). */
  readonly file: string;
  /** Attribution required by the data's licence. */
  readonly attribution: string;
}

/**
 * The datasets libs/geo embeds. The two country datasets are independent:
 * one derives from RIR whois and ASN data, the other from MaxMind GeoLite2.
 */
export const EMBEDDED_DATASETS = {
  countryPrimary: {
    packageName: '@ip-location-db/geo-whois-asn-country-mmdb',
    file: 'geo-whois-asn-country.mmdb',
    attribution: 'geo-whois-asn-country by sapics/ip-location-db, CC BY 4.0, from RIR data (NRO) and ASN data',
  },
  countrySecondary: {
    packageName: '@ip-location-db/geolite2-country-mmdb',
    file: 'geolite2-country.mmdb',
    attribution: 'GeoLite2 data created by MaxMind (https://www.maxmind.com), CC BY-SA 4.0, under the GeoLite2 EULA',
  },
  asn: {
    packageName: '@ip-location-db/asn',
    file: '.',
    attribution: 'asn by sapics/ip-location-db: RouteViews and DB-IP (CC BY 4.0) data',
  },
} as const satisfies Record<string, EmbeddedDataset>;

const require = createRequire(import.meta.url);

/**
 * Where an embedded dataset's file is, and the package version (the data's
 * release, e.g. `2.3.2026061719`).
 * @throws GeoDataError when the package is not installed.
 */
export function embeddedDatasetPath(dataset: EmbeddedDataset): { readonly path: string; readonly version: string } {
  try {
    const manifest = require.resolve(`${dataset.packageName}/package.json`);
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    return { path: join(dirname(manifest), dataset.file), version };
  } catch (err) {
    throw new GeoDataError(dataset.packageName, 'the package is not installed (run npm ci)', err);
  }
}
