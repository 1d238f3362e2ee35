import type { ParsedAddress } from './address.js';
import { GeoDataError } from './errors.js';
import { compareV6, createV4Search, lastV6AtOrBefore, type V4Search } from './range-search.js';
import type { AsnRecord, AsnSource } from './sources.js';

/** Bumped whenever the binary layout changes; part of the cache file name. */
export const ASN_INDEX_FORMAT = 1;

const MAGIC = 'RLYASN01';
const HEADER_BYTES = 64;
const ENDIAN_MARK = 0x01020304;
const MAX_SOURCE_VERSION_BYTES = 24;
const VERSION_AT = 40;
const ENDIAN_AT = 36;

/**
 * The IP -> ASN table in columnar form: sorted, non-overlapping ranges with a
 * network index each, and a network table of (ASN, organisation string).
 * IPv6 boundaries are four big-endian 32-bit words each.
 */
export interface AsnColumns {
  readonly sourceVersion: string;
  readonly v4Start: Uint32Array;
  readonly v4End: Uint32Array;
  readonly v4Net: Uint32Array;
  readonly v6Start: Uint32Array;
  readonly v6End: Uint32Array;
  readonly v6Net: Uint32Array;
  readonly netAsn: Uint32Array;
  readonly netOrg: Uint32Array;
  /** `orgOffsets[i]..orgOffsets[i+1]` are the UTF-8 bytes of organisation i. */
  readonly orgOffsets: Uint32Array;
  readonly orgBytes: Uint8Array;
}

/** Serialises the table: a 64-byte header, then every column, 4-byte aligned. */
export function encodeAsnIndex(c: AsnColumns): Uint8Array {
  const columns = [c.v4Start, c.v4End, c.v4Net, c.v6Start, c.v6End, c.v6Net, c.netAsn, c.netOrg, c.orgOffsets];
  const u32Bytes = columns.reduce((n, col) => n + col.byteLength, 0);
  const out = new Uint8Array(HEADER_BYTES + u32Bytes + c.orgBytes.byteLength);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const version = new TextEncoder().encode(c.sourceVersion).subarray(0, MAX_SOURCE_VERSION_BYTES);
  const fields = [ASN_INDEX_FORMAT, c.v4Start.length, c.v6Net.length, c.netAsn.length, c.orgOffsets.length - 1, c.orgBytes.byteLength, version.length];
  fields.forEach((v, i) => view.setUint32(8 + i * 4, v, true));
  out.set(version, VERSION_AT);
  view.setUint32(ENDIAN_AT, ENDIAN_MARK, true);
  let at = HEADER_BYTES;
  for (const col of columns) {
    out.set(new Uint8Array(col.buffer, col.byteOffset, col.byteLength), at);
    at += col.byteLength;
  }
  out.set(c.orgBytes, at);
  return out;
}

/**
 * Reads an index written by {@link encodeAsnIndex} without copying: every
 * column is a view on `bytes`.
 * @throws GeoDataError when the bytes are not an index of this format.
 */
export function decodeAsnIndex(bytes: Uint8Array, where: string): AsnColumns {
  const fail = (reason: string): never => {
    throw new GeoDataError(where, reason);
  };
  if (bytes.byteLength < HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) fail('not an ASN index file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number): number => view.getUint32(at, true);
  if (u32(8) !== ASN_INDEX_FORMAT) fail(`index format ${u32(8)}, expected ${ASN_INDEX_FORMAT}`);
  if (view.getUint32(ENDIAN_AT, false) === ENDIAN_MARK) fail('index written on a machine of the other byte order');
  if (bytes.byteOffset % 4 !== 0) fail('index buffer is not 4-byte aligned');
  const [v4, v6, nets, orgs, orgBytes, versionLength] = [u32(12), u32(16), u32(20), u32(24), u32(28), u32(32)];
  const sourceVersion = new TextDecoder().decode(bytes.subarray(VERSION_AT, VERSION_AT + Math.min(versionLength, MAX_SOURCE_VERSION_BYTES)));
  let at = bytes.byteOffset + HEADER_BYTES;
  const take = (n: number): Uint32Array => {
    if (at + n * 4 > bytes.byteOffset + bytes.byteLength) fail('index file is truncated');
    const col = new Uint32Array(bytes.buffer, at, n);
    at += n * 4;
    return col;
  };
  const columns = {
    sourceVersion,
    v4Start: take(v4),
    v4End: take(v4),
    v4Net: take(v4),
    v6Start: take(v6 * 4),
    v6End: take(v6 * 4),
    v6Net: take(v6),
    netAsn: take(nets),
    netOrg: take(nets),
    orgOffsets: take(orgs + 1),
  };
  if (at + orgBytes !== bytes.byteOffset + bytes.byteLength) fail('index file has the wrong length');
  return { ...columns, orgBytes: new Uint8Array(bytes.buffer, at, orgBytes) };
}

class AsnIndexSource implements AsnSource {
  private readonly records: (AsnRecord | undefined)[];
  private readonly decoder = new TextDecoder();
  private readonly v4: V4Search;

  constructor(
    readonly name: string,
    private readonly c: AsnColumns,
  ) {
    this.records = new Array<AsnRecord | undefined>(c.netAsn.length);
    this.v4 = createV4Search(c.v4Start);
  }

  lookup(address: ParsedAddress): AsnRecord | undefined {
    const net = address.v6 === undefined ? this.find4(address.v4) : this.find6(address.v6);
    return net < 0 ? undefined : this.record(net);
  }

  private find4(ip: number): number {
    const found = this.v4.lastAtOrBefore(ip);
    return found >= 0 && ip <= (this.c.v4End[found] ?? 0) ? (this.c.v4Net[found] ?? -1) : -1;
  }

  private find6(w: readonly [number, number, number, number]): number {
    const found = lastV6AtOrBefore(w, this.c.v6Start);
    return found >= 0 && compareV6(w, this.c.v6End, found) <= 0 ? (this.c.v6Net[found] ?? -1) : -1;
  }

  private record(net: number): AsnRecord {
    let r = this.records[net];
    if (r === undefined) {
      const org = this.c.netOrg[net] ?? 0;
      const bytes = this.c.orgBytes.subarray(this.c.orgOffsets[org] ?? 0, this.c.orgOffsets[org + 1] ?? 0);
      r = Object.freeze({ asn: this.c.netAsn[net] ?? 0, organisation: this.decoder.decode(bytes) });
      this.records[net] = r;
    }
    return r;
  }
}

/** An {@link AsnSource} over a decoded index. */
export function asnSourceFromColumns(name: string, columns: AsnColumns): AsnSource {
  return new AsnIndexSource(name, columns);
}
