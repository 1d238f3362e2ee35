import { readFileSync } from 'node:fs';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCountryColumns } from './country-index-build.js';
import {
  countryIndexPath,
  EMBEDDED_DATASETS,
  embeddedDatasetPath,
  GeoDataError,
  loadEmbeddedCountry,
  openCountryDatabase,
  type ParsedAddress,
  parseAddress,
} from './index.js';
import { seeded } from './test-random.js';

const v4Text = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
const v6Text = (words: readonly number[]): string => words.flatMap((w) => [(w >>> 16).toString(16), (w & 0xffff).toString(16)]).join(':');

/**
 * Addresses to compare on: random IPv4 over the whole space, random IPv6 in
 * the allocated 2000::/3, IPv6 with an IPv4 tail (::a.b.c.d) and IPv4-mapped
 * ones, as the lookup parses them.
 */
function sample(seed: number, v4: number, v6: number): ParsedAddress[] {
  const next = seeded(seed);
  const out = Array.from({ length: v4 }, () => parseAddress(v4Text(next())));
  for (let i = 0; i < v6; i++) {
    const kind = i % 8;
    const words = kind === 0 ? [0, 0, 0, next()] : kind === 1 ? [0, 0, 0xffff, next()] : [0x20000000 | (next() & 0x1fffffff), next(), next(), next()];
    out.push(parseAddress(v6Text(words)));
  }
  return out;
}

const DATASETS = [
  ['geo-whois-asn-country', EMBEDDED_DATASETS.countryPrimary],
  ['GeoLite2 country', EMBEDDED_DATASETS.countrySecondary],
] as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-country-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the country indexes of the embedded datasets', () => {
  it.each(DATASETS)('answer exactly what the maxmind reader answers for %s, on 100,000 IPv4 and 30,000 IPv6 addresses', (_label, dataset) => {
    const index = loadEmbeddedCountry(dataset).source;
    const reader = openCountryDatabase(embeddedDatasetPath(dataset).path);
    const wrong: string[] = [];
    let known = 0;
    for (const a of sample(dataset === EMBEDDED_DATASETS.countryPrimary ? 1 : 2, 100_000, 30_000)) {
      const expected = reader.country(a);
      if (expected !== undefined) known++;
      const got = index.country(a);
      if (got !== expected) wrong.push(`${a.ip}: ${got} (reader: ${expected})`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    // Most of the sample is in allocated space: the comparison is not of two empty answers.
    expect(known).toBeGreaterThan(50_000);
  });

  it.each(DATASETS)('agree with the reader on both sides of every 50th boundary of %s', (_label, dataset) => {
    const { dbPath, version } = countryIndexPath(dataset);
    const columns = buildCountryColumns(readFileSync(dbPath), version, dbPath);
    const index = loadEmbeddedCountry(dataset).source;
    const reader = openCountryDatabase(dbPath);
    const wrong: string[] = [];
    const check = (ip: string): void => {
      const a = parseAddress(ip);
      if (index.country(a) !== reader.country(a)) wrong.push(ip);
    };
    for (let i = 1; i < columns.v4Start.length; i += 50) {
      const start = columns.v4Start[i] ?? 0;
      check(v4Text(start));
      check(v4Text(start - 1));
    }
    for (let i = 1; i < columns.v6Country.length; i += 50) {
      const start = Array.from(columns.v6Start.subarray(i * 4, i * 4 + 4));
      check(v6Text(start));
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('builds an index from the database once, then loads it, and rebuilds a damaged one', async () => {
    const dataset = EMBEDDED_DATASETS.countryPrimary;
    const first = loadEmbeddedCountry(dataset, { indexDir: dir });
    expect(first.from).toBe('mmdb');
    expect(first.writeError).toBeUndefined();
    const second = loadEmbeddedCountry(dataset, { indexDir: dir });
    expect(second.from).toBe('index');
    expect(second.bytes).toBe(first.bytes);
    expect(second.source.name).toMatch(/^geo-whois-asn-country-mmdb \d/);
    for (const ip of ['185.107.56.1', '8.8.8.8', '1.1.1.1', '2a01:4f8::1', '2001:41d0::1']) {
      expect(second.source.country(parseAddress(ip))).toBe(first.source.country(parseAddress(ip)));
    }
    expect(second.source.country(parseAddress('185.178.211.1'))).toBe('NL');
    await truncate(second.indexPath, 1000);
    expect(loadEmbeddedCountry(dataset, { indexDir: dir }).from).toBe('mmdb');
    expect(loadEmbeddedCountry(dataset, { indexDir: dir }).from).toBe('index');
  });

  it('says which file is not a MaxMind DB', async () => {
    const junk = join(dir, 'junk.mmdb');
    await writeFile(junk, 'this is not a database');
    expect(() => buildCountryColumns(readFileSync(junk), 'x', junk)).toThrow(GeoDataError);
  });
});
