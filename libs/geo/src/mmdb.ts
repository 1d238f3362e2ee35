import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Reader, type Response } from 'maxmind';
import type { ParsedAddress } from './address.js';
import { GeoDataError } from './errors.js';
import { GenerationalCache } from './lookup-cache.js';
import type { AsnRecord, AsnSource, CountrySource } from './sources.js';

const COUNTRY_CODE = /^[A-Za-z]{2}$/;

type Row = Record<string, unknown>;

function isRow(v: unknown): v is Row {
  return typeof v === 'object' && v !== null;
}

/**
 * The country of a record in any of the layouts a hotline may license:
 * ip-location-db and IPinfo Lite (`country_code`), MaxMind GeoIP2/GeoLite2
 * Country and City (`country.iso_code`, else `registered_country.iso_code`),
 * IPinfo Country (`country` as a string).
 */
export function countryOfRecord(record: unknown): string | undefined {
  if (!isRow(record)) return undefined;
  const nested = (key: string): unknown => {
    const v = record[key];
    return isRow(v) ? v['iso_code'] : undefined;
  };
  for (const candidate of [record['country_code'], nested('country'), record['country'], nested('registered_country')]) {
    if (typeof candidate === 'string' && COUNTRY_CODE.test(candidate)) return candidate.toUpperCase();
  }
  return undefined;
}

/**
 * The autonomous system of a record: MaxMind GeoLite2/GeoIP2 ASN
 * (`autonomous_system_number`, `autonomous_system_organization`) or IPinfo
 * (`asn` as `AS15169`, `as_name` or `name`).
 */
export function asnOfRecord(record: unknown): AsnRecord | undefined {
  if (!isRow(record)) return undefined;
  const maxmindAsn = record['autonomous_system_number'];
  if (typeof maxmindAsn === 'number' && Number.isInteger(maxmindAsn) && maxmindAsn > 0) {
    const org = record['autonomous_system_organization'];
    return { asn: maxmindAsn, organisation: typeof org === 'string' ? org : '' };
  }
  const ipinfoAsn = record['asn'];
  const match = typeof ipinfoAsn === 'string' ? /^AS(\d{1,10})$/i.exec(ipinfoAsn) : null;
  if (match?.[1] !== undefined) {
    const org = record['as_name'] ?? record['name'];
    return { asn: Number(match[1]), organisation: typeof org === 'string' ? org : '' };
  }
  return undefined;
}

function openReader(path: string): Reader<Response> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new GeoDataError(path, `cannot read: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  try {
    // Decoded records by data offset: a country database has a few hundred, so
    // repeated decoding (most of a lookup's cost) is skipped.
    return new Reader<Response>(bytes, { cache: new GenerationalCache<number, unknown>(20_000) });
  } catch (err) {
    throw new GeoDataError(path, `not a MaxMind DB file: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

function describe(path: string, reader: Reader<Response>, label?: string): string {
  const m = reader.metadata;
  return label ?? `${basename(path)} (${m.databaseType}, built ${m.buildEpoch.toISOString().slice(0, 10)})`;
}

/**
 * Opens a MaxMind-format country database (GeoIP2/GeoLite2 Country or City,
 * IPinfo Country or Lite, ip-location-db country mmdb) read with `maxmind`.
 * @throws GeoDataError when the file is missing or not a MaxMind DB.
 */
export function openCountryDatabase(path: string, label?: string): CountrySource {
  const reader = openReader(path);
  return {
    name: describe(path, reader, label),
    country: (address: ParsedAddress) => countryOfRecord(reader.get(address.lookupIp)),
  };
}

/**
 * Opens a MaxMind-format ASN database (GeoLite2/GeoIP2 ASN, IPinfo ASN or Lite).
 * @throws GeoDataError when the file is missing or not a MaxMind DB.
 */
export function openAsnDatabase(path: string, label?: string): AsnSource {
  const reader = openReader(path);
  return {
    name: describe(path, reader, label),
    lookup: (address: ParsedAddress) => asnOfRecord(reader.get(address.lookupIp)),
  };
}
