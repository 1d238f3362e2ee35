import { readFileSync } from 'node:fs';
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AsnColumns, asnSourceFromColumns, decodeAsnIndex, encodeAsnIndex } from './asn-index.js';
import { ASN_CSV_FILES } from './asn-index-build.js';
import { asnIndexPath, GeoDataError, loadEmbeddedAsn, parseAddress } from './index.js';
import { seeded } from './test-random.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-asn-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tinyTable(): AsnColumns {
  const enc = new TextEncoder();
  const orgs = ['Hoster A', 'Hoster B'].map((o) => enc.encode(o));
  const orgBytes = new Uint8Array([...(orgs[0] ?? []), ...(orgs[1] ?? [])]);
  return {
    sourceVersion: 'test-1',
    v4Start: Uint32Array.from([parseAddress('10.0.0.0').v4, parseAddress('10.0.1.0').v4]),
    v4End: Uint32Array.from([parseAddress('10.0.0.255').v4, parseAddress('10.0.1.127').v4]),
    v4Net: Uint32Array.from([0, 1]),
    v6Start: Uint32Array.from([0x2a010000, 0, 0, 0]),
    v6End: Uint32Array.from([0x2a01ffff, 0xffffffff, 0xffffffff, 0xffffffff]),
    v6Net: Uint32Array.from([1]),
    netAsn: Uint32Array.from([64500, 64501]),
    netOrg: Uint32Array.from([0, 1]),
    orgOffsets: Uint32Array.from([0, orgs[0]?.length ?? 0, orgBytes.length]),
    orgBytes,
  };
}

describe('the binary ASN index', () => {
  it('finds the range an address falls in, at both edges, and nothing in the gaps', () => {
    const source = asnSourceFromColumns('tiny', decodeAsnIndex(encodeAsnIndex(tinyTable()), 'tiny'));
    // The table holds 10.x test ranges; lookups use the numeric form directly.
    const at = (ip: string) => source.lookup(parseAddress(ip));
    expect(at('10.0.0.0')).toEqual({ asn: 64500, organisation: 'Hoster A' });
    expect(at('10.0.0.255')).toEqual({ asn: 64500, organisation: 'Hoster A' });
    expect(at('10.0.1.127')).toEqual({ asn: 64501, organisation: 'Hoster B' });
    expect(at('10.0.1.128')).toBeUndefined();
    expect(at('9.255.255.255')).toBeUndefined();
    expect(at('2a01:4f8::1')).toEqual({ asn: 64501, organisation: 'Hoster B' });
    expect(at('2a02::1')).toBeUndefined();
  });

  it('refuses bytes that are not an index, or a truncated one', () => {
    expect(() => decodeAsnIndex(new TextEncoder().encode('not an index at all, not at all, no, not an index file'), 'x')).toThrow(GeoDataError);
    const bytes = encodeAsnIndex(tinyTable());
    expect(() => decodeAsnIndex(bytes.subarray(0, bytes.length - 8), 'x')).toThrow(/wrong length|truncated/);
  });

  it('builds the index from the CSV once, then loads it, answering the same', async () => {
    const first = await loadEmbeddedAsn({ indexDir: dir });
    expect(first.from).toBe('csv');
    expect(first.writeError).toBeUndefined();
    const second = await loadEmbeddedAsn({ indexDir: dir });
    expect(second.from).toBe('index');
    expect(second.bytes).toBe(first.bytes);
    for (const ip of ['185.107.56.1', '8.8.8.8', '2a01:4f8::1', '2606:4700::1111']) {
      expect(second.source.lookup(parseAddress(ip))).toEqual(first.source.lookup(parseAddress(ip)));
    }
    expect(second.source.lookup(parseAddress('185.107.56.1'))).toEqual({ asn: 43350, organisation: 'NForce Entertainment B.V.' });
  });

  it('rebuilds a damaged index instead of failing', async () => {
    const { indexPath } = await loadEmbeddedAsn({ indexDir: dir });
    await truncate(indexPath, 1000);
    const again = await loadEmbeddedAsn({ indexDir: dir });
    expect(again.from).toBe('csv');
    expect(again.source.lookup(parseAddress('5.9.0.1'))?.asn).toBe(24940);
    expect((await loadEmbeddedAsn({ indexDir: dir })).from).toBe('index');
  });
});

/** The IPv4 rows of the CSV the index is built from: start, end and ASN (the first three columns are plain numbers). */
function csvRows(): { readonly start: number[]; readonly end: number[]; readonly asn: number[] } {
  const rows = { start: [] as number[], end: [] as number[], asn: [] as number[] };
  const text = readFileSync(join(asnIndexPath().csvDir, ASN_CSV_FILES.v4), 'utf8');
  for (const line of text.split('\n')) {
    const [start, end, asn] = line.split(',', 3);
    if (start === undefined || end === undefined || asn === undefined) continue;
    rows.start.push(Number(start));
    rows.end.push(Number(end));
    rows.asn.push(Number(asn));
  }
  return rows;
}

describe('the embedded ASN index', () => {
  it('answers what the CSV says for 100,000 random IPv4 addresses and around every 50th range', async () => {
    const { source } = await loadEmbeddedAsn();
    const rows = csvRows();
    expect(rows.start.length).toBeGreaterThan(100_000);
    // The reference: the last row starting at or before the address, if the address is not past its end.
    const expected = (ip: number): number => {
      let lo = 0;
      let hi = rows.start.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if ((rows.start[mid] ?? 0) <= ip) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found >= 0 && ip <= (rows.end[found] ?? 0) ? (rows.asn[found] ?? 0) : 0;
    };
    const next = seeded(4_242);
    const ips = Array.from({ length: 100_000 }, next);
    for (let i = 0; i < rows.start.length; i += 50) {
      const [start, end] = [rows.start[i] ?? 0, rows.end[i] ?? 0];
      ips.push(start, end, Math.max(start - 1, 0), Math.min(end + 1, 0xffffffff));
    }
    const wrong: string[] = [];
    let known = 0;
    for (const ip of ips) {
      const text = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
      const got = source.lookup(parseAddress(text))?.asn ?? 0;
      const want = expected(ip);
      if (want !== 0) known++;
      if (got !== want) wrong.push(`${text}: AS${got} (CSV: AS${want})`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(known).toBeGreaterThan(50_000);
  });
});
