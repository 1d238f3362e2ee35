import { type ParsedAddress, parseAddress } from './address.js';
import { loadEmbeddedAsn } from './asn-table.js';
import { loadEmbeddedCountry } from './country-table.js';
import { EMBEDDED_DATASETS } from './embedded-data.js';
import { GenerationalCache } from './lookup-cache.js';
import { openAsnDatabase, openCountryDatabase } from './mmdb.js';
import type { AsnSource, CountrySource } from './sources.js';

/** Agreement of the two country datasets on one address. */
export const Confidence = {
  Agree: 'agree',
  Disagree: 'disagree',
  OneMissing: 'one-missing',
  None: 'none',
} as const;
export type Confidence = (typeof Confidence)[keyof typeof Confidence];

/** What the geolocation data says about one IP address. */
export interface IpFacts {
  /** Canonical text of the address. */
  readonly ip: string;
  readonly family: 4 | 6;
  /** ipaddr.js range name (`unicast`, `private`, `loopback`, ...). */
  readonly range: string;
  /** Private, reserved, loopback, ...: never a jurisdiction; no dataset is asked. */
  readonly unroutable: boolean;
  /** Country from the primary dataset, '' when it does not know. */
  readonly country: string;
  /** Country from the secondary dataset, '' when it does not know. */
  readonly countrySecondary: string;
  readonly confidence: Confidence;
  /** Autonomous system number, 0 when unknown. */
  readonly asn: number;
  readonly asOrganisation: string;
  /** The parsed address (numeric form, embedded IPv4), for CDN prefix checks. */
  readonly address: ParsedAddress;
}

/** IP -> country, ASN and AS organisation, in process. */
export interface GeoLookup {
  /**
   * Looks an address up (dotted-quad IPv4 or IPv6). Answers are memoised unless `cacheSize` is 0.
   * @throws InvalidAddressError when `ip` is not an address.
   */
  lookup(ip: string): IpFacts;
  /** Names and releases of the datasets in use, for output and logs. */
  readonly sources: { readonly countryPrimary: string; readonly countrySecondary: string; readonly asn: string };
}

/** The parts a GeoLookup is made of. */
export interface GeoParts {
  readonly primary: CountrySource;
  readonly secondary?: CountrySource;
  readonly asn: AsnSource;
  /** Addresses memoised per generation. Default 50,000. */
  readonly cacheSize?: number;
}

function confidenceOf(a: string, b: string): Confidence {
  if (a !== '' && b !== '') return a === b ? Confidence.Agree : Confidence.Disagree;
  return a === '' && b === '' ? Confidence.None : Confidence.OneMissing;
}

/** Combines country and ASN sources into one lookup, memoising unless `cacheSize` is 0. */
export function createGeo(parts: GeoParts): GeoLookup {
  const cacheSize = parts.cacheSize ?? 50_000;
  const cache = new GenerationalCache<string, IpFacts>(cacheSize);
  // Hot path: plain object literals of one shape, no spreads (they cost more than the lookups).
  const compute = (text: string): IpFacts => {
    const a = parseAddress(text);
    if (a.unroutable) {
      return { ip: a.ip, family: a.family, range: a.range, unroutable: true, country: '', countrySecondary: '', confidence: Confidence.None, asn: 0, asOrganisation: '', address: a };
    }
    const country = parts.primary.country(a) ?? '';
    const countrySecondary = parts.secondary?.country(a) ?? '';
    const as = parts.asn.lookup(a);
    return {
      ip: a.ip,
      family: a.family,
      range: a.range,
      unroutable: false,
      country,
      countrySecondary,
      confidence: confidenceOf(country, countrySecondary),
      asn: as?.asn ?? 0,
      asOrganisation: as?.organisation ?? '',
      address: a,
    };
  };
  const memoised = (ip: string): IpFacts => {
    let facts = cache.get(ip);
    if (facts === undefined) {
      facts = compute(ip);
      cache.set(ip, facts);
    }
    return facts;
  };
  return {
    sources: { countryPrimary: parts.primary.name, countrySecondary: parts.secondary?.name ?? '', asn: parts.asn.name },
    // With no cache, skip it: each probe hashes the whole string for nothing.
    lookup: cacheSize > 0 ? memoised : compute,
  };
}

/** Where a GeoLookup's data comes from. All optional: the default is the embedded data. */
export interface GeoOptions {
  /** A MaxMind-format country database a hotline licenses (GeoIP2, GeoLite2, IPinfo): replaces the primary dataset. */
  readonly countryDbPath?: string;
  /** A MaxMind-format ASN database (GeoLite2/GeoIP2 ASN, IPinfo): replaces the embedded ASN table. */
  readonly asnDbPath?: string;
  /** Folder of the prebuilt ASN and country indexes (tests, read-only installs). Default `libs/geo/dist/data/`. */
  readonly indexDir?: string;
  readonly cacheSize?: number;
}

/**
 * Opens the geolocation data. By default: primary country from
 * geo-whois-asn-country (RIR/whois based), secondary from GeoLite2-country,
 * ASN from the embedded ip-location-db table, all three read from the
 * sorted-range indexes built by `npm run build` (decisions 0021, 0025).
 * Licensed databases are read with `maxmind`. With `countryDbPath` the
 * licensed database becomes primary and geo-whois-asn-country the secondary,
 * so the two stay independent of each other.
 * @throws GeoDataError when a database cannot be opened.
 */
export async function openGeo(options: GeoOptions = {}): Promise<GeoLookup> {
  const indexDir = options.indexDir === undefined ? {} : { indexDir: options.indexDir };
  const whois = loadEmbeddedCountry(EMBEDDED_DATASETS.countryPrimary, indexDir).source;
  const primary = options.countryDbPath === undefined ? whois : openCountryDatabase(options.countryDbPath);
  const secondary = options.countryDbPath === undefined ? loadEmbeddedCountry(EMBEDDED_DATASETS.countrySecondary, indexDir).source : whois;
  const asn = options.asnDbPath === undefined ? (await loadEmbeddedAsn(indexDir)).source : openAsnDatabase(options.asnDbPath);
  return createGeo({ primary, secondary, asn, ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }) });
}
