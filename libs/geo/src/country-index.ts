import type { ParsedAddress } from './address.js';
import { GeoDataError } from './errors.js';
import { createV4Search, lastV6AtOrBefore, type V4Search } from './range-search.js';
import type { CountrySource } from './sources.js';

/** Bumped whenever the binary layout or its meaning changes; part of the file name. */
export const COUNTRY_INDEX_FORMAT = 1;

const MAGIC = 'RLYCTY01';
const HEADER_BYTES = 64;
const ENDIAN_MARK = 0x01020304;
const ENDIAN_AT = 24;
const VERSION_AT = 28;
const MAX_SOURCE_VERSION_BYTES = 36;

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

/** Serialises the columns: a 64-byte header, the 32-bit columns, then the 16-bit ones. */
export function encodeCountryIndex(c: CountryColumns): Uint8Array {
  const columns = [c.v4Start, c.v6Start, c.v4Country, c.v6Country];
  const out = new Uint8Array(HEADER_BYTES + columns.reduce((n, col) => n + col.byteLength, 0));
  const view = new DataView(out.buffer);
  const encoder = new TextEncoder();
  out.set(encoder.encode(MAGIC), 0);
  const version = encoder.encode(c.sourceVersion).subarray(0, MAX_SOURCE_VERSION_BYTES);
  [COUNTRY_INDEX_FORMAT, c.v4Start.length, c.v6Country.length, version.length].forEach((v, i) => view.setUint32(8 + i * 4, v, true));
  view.setUint32(ENDIAN_AT, ENDIAN_MARK, true);
  out.set(version, VERSION_AT);
  let at = HEADER_BYTES;
  for (const col of columns) {
    out.set(new Uint8Array(col.buffer, col.byteOffset, col.byteLength), at);
    at += col.byteLength;
  }
  return out;
}

/**
 * Reads an index written by {@link encodeCountryIndex} without copying.
 * @throws GeoDataError when the bytes are not an index of this format.
 */
export function decodeCountryIndex(bytes: Uint8Array, where: string): CountryColumns {
  const fail = (reason: string): never => {
    throw new GeoDataError(where, reason);
  };
  if (bytes.byteLength < HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) fail('not a country index file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number): number => view.getUint32(at, true);
  if (u32(8) !== COUNTRY_INDEX_FORMAT) fail(`index format ${u32(8)}, expected ${COUNTRY_INDEX_FORMAT}`);
  if (view.getUint32(ENDIAN_AT, false) === ENDIAN_MARK) fail('index written on a machine of the other byte order');
  if (bytes.byteOffset % 4 !== 0) fail('index buffer is not 4-byte aligned');
  const [v4, v6, versionLength] = [u32(12), u32(16), u32(20)];
  if (HEADER_BYTES + v4 * 6 + v6 * 18 !== bytes.byteLength) fail('index file has the wrong length');
  const sourceVersion = new TextDecoder().decode(bytes.subarray(VERSION_AT, VERSION_AT + Math.min(versionLength, MAX_SOURCE_VERSION_BYTES)));
  let at = bytes.byteOffset + HEADER_BYTES;
  const take32 = (n: number): Uint32Array => {
    const col = new Uint32Array(bytes.buffer, at, n);
    at += n * 4;
    return col;
  };
  const take16 = (n: number): Uint16Array => {
    const col = new Uint16Array(bytes.buffer, at, n);
    at += n * 2;
    return col;
  };
  const v4Start = take32(v4);
  const v6Start = take32(v6 * 4);
  return { sourceVersion, v4Start, v6Start, v4Country: take16(v4), v6Country: take16(v6) };
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
