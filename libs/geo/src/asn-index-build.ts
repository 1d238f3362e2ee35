import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { ipv6Words } from './address.js';
import type { AsnColumns } from './asn-index.js';
import { GeoDataError } from './errors.js';

/** The CSV files of `@ip-location-db/asn` the index is built from. */
export const ASN_CSV_FILES = { v4: 'asn-ipv4-num.csv', v6: 'asn-ipv6.csv' } as const;

/** Collects ranges and interns (ASN, organisation) networks and organisation strings. */
class ColumnBuilder {
  readonly v4: { start: number; end: number; net: number }[] = [];
  readonly v6: { start: number[]; end: number[]; net: number }[] = [];
  private readonly nets = new Map<string, number>();
  private readonly orgs = new Map<string, number>();
  readonly netAsn: number[] = [];
  readonly netOrg: number[] = [];

  net(asn: number, org: string): number {
    const key = `${asn}\u0000${org}`;
    let n = this.nets.get(key);
    if (n === undefined) {
      let o = this.orgs.get(org);
      if (o === undefined) {
        o = this.orgs.size;
        this.orgs.set(org, o);
      }
      n = this.netAsn.length;
      this.nets.set(key, n);
      this.netAsn.push(asn);
      this.netOrg.push(o);
    }
    return n;
  }

  columns(sourceVersion: string): AsnColumns {
    this.v4.sort((a, b) => a.start - b.start);
    this.v6.sort((a, b) => compareWords(a.start, b.start));
    const v6Start = new Uint32Array(this.v6.length * 4);
    const v6End = new Uint32Array(this.v6.length * 4);
    this.v6.forEach((r, i) => {
      v6Start.set(r.start, i * 4);
      v6End.set(r.end, i * 4);
    });
    const encoder = new TextEncoder();
    const encoded = [...this.orgs.keys()].map((o) => encoder.encode(o));
    const orgOffsets = new Uint32Array(encoded.length + 1);
    encoded.forEach((b, i) => (orgOffsets[i + 1] = (orgOffsets[i] ?? 0) + b.byteLength));
    const orgBytes = new Uint8Array(orgOffsets[encoded.length] ?? 0);
    encoded.forEach((b, i) => orgBytes.set(b, orgOffsets[i] ?? 0));
    return {
      sourceVersion,
      v4Start: Uint32Array.from(this.v4, (r) => r.start),
      v4End: Uint32Array.from(this.v4, (r) => r.end),
      v4Net: Uint32Array.from(this.v4, (r) => r.net),
      v6Start,
      v6End,
      v6Net: Uint32Array.from(this.v6, (r) => r.net),
      netAsn: Uint32Array.from(this.netAsn),
      netOrg: Uint32Array.from(this.netOrg),
      orgOffsets,
      orgBytes,
    };
  }
}

function compareWords(a: readonly number[], b: readonly number[]): number {
  for (let k = 0; k < 4; k++) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

async function* rows(path: string): AsyncGenerator<string[]> {
  const parser = createReadStream(path).pipe(parse({ relaxQuotes: true }));
  try {
    for await (const row of parser) yield row as string[];
  } catch (err) {
    throw new GeoDataError(path, `cannot parse: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

function field(row: string[], i: number, path: string, line: number): string {
  const v = row[i];
  if (v === undefined || v === '') throw new GeoDataError(path, `line ${line}: column ${i + 1} is missing`);
  return v;
}

/**
 * Parses the `@ip-location-db/asn` CSV files (IPv4 as numbers, IPv6 as text)
 * into the columnar table. Takes about 1.5 s on this project's machines, which
 * is why services load a prebuilt index instead (see `loadEmbeddedAsn`).
 * @throws GeoDataError when a file is missing or malformed, naming file and line.
 */
export async function buildAsnColumns(csvDir: string, sourceVersion: string): Promise<AsnColumns> {
  const b = new ColumnBuilder();
  const v4Path = join(csvDir, ASN_CSV_FILES.v4);
  let line = 0;
  for await (const row of rows(v4Path)) {
    line++;
    const start = Number(field(row, 0, v4Path, line));
    const end = Number(field(row, 1, v4Path, line));
    const asn = Number(field(row, 2, v4Path, line));
    if (!Number.isInteger(start) || !Number.isInteger(end) || !Number.isInteger(asn) || end < start || end > 0xffffffff) {
      throw new GeoDataError(v4Path, `line ${line}: not a range of IPv4 numbers and an ASN`);
    }
    b.v4.push({ start, end, net: b.net(asn, row[3] ?? '') });
  }
  const v6Path = join(csvDir, ASN_CSV_FILES.v6);
  line = 0;
  for await (const row of rows(v6Path)) {
    line++;
    try {
      const start = ipv6Words(field(row, 0, v6Path, line));
      const end = ipv6Words(field(row, 1, v6Path, line));
      b.v6.push({ start, end, net: b.net(Number(field(row, 2, v6Path, line)), row[3] ?? '') });
    } catch (err) {
      if (err instanceof GeoDataError) throw err;
      throw new GeoDataError(v6Path, `line ${line}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }
  return b.columns(sourceVersion);
}
