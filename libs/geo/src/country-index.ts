import type { ParsedAddress } from './address.js';
import { encodeIndexFile, type IndexKind, readIndexFile } from './index-format.js';
import { createV4Search, lastV6AtOrBefore, type V4Search } from './range-search.js';
import type { CountrySource } from './sources.js';

/** Bumped whenever the binary layout or its meaning changes; part of the file name. */
export const COUNTRY_INDEX_FORMAT = 1;

const KIND: IndexKind = { magic: 'RLYCTY01', format: COUNTRY_INDEX_FORMAT, counts: 2, description: 'a country index file' };

/**
 * One country database (MaxMind DB format) as sorted runs: `v4Start[i]` is
 * where a run of IPv4 addresses with country `v4Country[i]` begins; each run
 * ends where the next begins, so the runs cover the whole address space.
 * IPv6 likewise, four big-endian 32-bit words per start, except that IPv6
 * addresses whose first 96 bits are zero are answered from the IPv4 runs
 * (the database stores them there). A country is its two ASCII letters
 * packed as `first << 8 | second`; 0 means the database does not know.
 */
export interface CountryColumns {
  readonly sourceVersion: string;
  readonly v4Start: Uint32Array;
  readonly v4Country: Uint16Array;
  readonly v6Start: Uint32Array;
  readonly v6Country: Uint16Array;
}

/** Packs a two-letter upper-case country as stored in the columns (0 for none). */
export function packCountry(country: string | undefined): number {
  return country === undefined ? 0 : (country.charCodeAt(0) << 8) | country.charCodeAt(1);
}

/** Serialises the columns: the index header, the 32-bit columns, then the 16-bit ones. */
export function encodeCountryIndex(c: CountryColumns): Uint8Array {
  return encodeIndexFile(KIND, [c.v4Start.length, c.v6Country.length], c.sourceVersion, [c.v4Start, c.v6Start, c.v4Country, c.v6Country]);
}

/**
 * Reads an index written by {@link encodeCountryIndex} without copying.
 * @throws GeoDataError when the bytes are not an index of this format.
 */
export function decodeCountryIndex(bytes: Uint8Array, where: string): CountryColumns {
  const r = readIndexFile(bytes, where, KIND);
  const [v4 = 0, v6 = 0] = r.counts;
  const columns = { sourceVersion: r.sourceVersion, v4Start: r.u32(v4), v6Start: r.u32(v6 * 4), v4Country: r.u16(v4), v6Country: r.u16(v6) };
  r.end();
  return columns;
}

class CountryIndexSource implements CountrySource {
  private readonly v4: V4Search;
  /** Country strings by packed value, made once each (an array probe is cheaper than a map's hash). */
  private readonly names: (string | undefined)[] = new Array<string | undefined>(0x10000);

  constructor(
    readonly name: string,
    private readonly c: CountryColumns,
  ) {
    this.v4 = createV4Search(c.v4Start);
  }

  country(address: ParsedAddress): string | undefined {
    const w = address.v6;
    if (w === undefined) return this.named(this.c.v4Country[this.v4.lastAtOrBefore(address.v4)] ?? 0);
    if (w[0] === 0 && w[1] === 0 && w[2] === 0) return this.named(this.c.v4Country[this.v4.lastAtOrBefore(w[3])] ?? 0);
    return this.named(this.c.v6Country[lastV6AtOrBefore(w, this.c.v6Start)] ?? 0);
  }

  private named(packed: number): string | undefined {
    if (packed === 0) return undefined;
    let name = this.names[packed];
    if (name === undefined) {
      name = String.fromCharCode(packed >>> 8, packed & 0xff);
      this.names[packed] = name;
    }
    return name;
  }
}

/** A {@link CountrySource} over decoded columns. */
export function countrySourceFromColumns(name: string, columns: CountryColumns): CountrySource {
  return new CountryIndexSource(name, columns);
}
