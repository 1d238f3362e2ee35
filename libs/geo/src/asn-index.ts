import type { ParsedAddress } from './address.js';
import { encodeIndexFile, type IndexKind, readIndexFile } from './index-format.js';
import { compareV6, createV4Search, lastV6AtOrBefore, type V4Search } from './range-search.js';
import type { AsnRecord, AsnSource } from './sources.js';

/** Bumped whenever the binary layout changes; part of the cache file name. */
export const ASN_INDEX_FORMAT = 1;

const KIND: IndexKind = { magic: 'RLYASN01', format: ASN_INDEX_FORMAT, counts: 5, description: 'an ASN index file' };

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

/** Serialises the table: the index header, then every column. */
export function encodeAsnIndex(c: AsnColumns): Uint8Array {
  const counts = [c.v4Start.length, c.v6Net.length, c.netAsn.length, c.orgOffsets.length - 1, c.orgBytes.byteLength];
  const columns = [c.v4Start, c.v4End, c.v4Net, c.v6Start, c.v6End, c.v6Net, c.netAsn, c.netOrg, c.orgOffsets, c.orgBytes];
  return encodeIndexFile(KIND, counts, c.sourceVersion, columns);
}

/**
 * Reads an index written by {@link encodeAsnIndex} without copying: every
 * column is a view on `bytes`.
 * @throws GeoDataError when the bytes are not an index of this format.
 */
export function decodeAsnIndex(bytes: Uint8Array, where: string): AsnColumns {
  const r = readIndexFile(bytes, where, KIND);
  const [v4 = 0, v6 = 0, nets = 0, orgs = 0, orgBytes = 0] = r.counts;
  const columns = {
    sourceVersion: r.sourceVersion,
    v4Start: r.u32(v4),
    v4End: r.u32(v4),
    v4Net: r.u32(v4),
    v6Start: r.u32(v6 * 4),
    v6End: r.u32(v6 * 4),
    v6Net: r.u32(v6),
    netAsn: r.u32(nets),
    netOrg: r.u32(nets),
    orgOffsets: r.u32(orgs + 1),
    orgBytes: r.u8(orgBytes),
  };
  r.end();
  return columns;
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
