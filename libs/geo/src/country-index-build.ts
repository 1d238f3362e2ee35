import { Reader, type Response } from 'maxmind';
import { type CountryColumns, packCountry } from './country-index.js';
import { GeoDataError } from './errors.js';
import { countryOfRecord } from './mmdb.js';

/** Reads the two records (left: bit 0, right: bit 1) of a search-tree node, per the MaxMind DB spec. */
type NodeReader = (node: number, bit: 0 | 1) => number;

function nodeReader(db: Buffer, recordSize: number): NodeReader {
  switch (recordSize) {
    case 24:
      return (node, bit) => db.readUIntBE(node * 6 + bit * 3, 3);
    case 28:
      return (node, bit) => {
        const o = node * 7;
        const middle = db[o + 3] ?? 0;
        return bit === 0 ? (((middle & 0xf0) << 20) | db.readUIntBE(o, 3)) >>> 0 : (((middle & 0x0f) << 24) | db.readUIntBE(o + 4, 3)) >>> 0;
      };
    case 32:
      return (node, bit) => db.readUInt32BE(node * 8 + bit * 4);
    default:
      throw new Error(`record size ${recordSize} is not in the MaxMind DB spec`);
  }
}

/** Collects runs, merging a leaf into the run before it when the country is the same. */
class Runs {
  readonly starts: number[] = [];
  readonly countries: number[] = [];

  add(start: readonly number[], country: number): void {
    if (this.countries.length > 0 && this.countries[this.countries.length - 1] === country) return;
    this.starts.push(...start);
    this.countries.push(country);
  }
}

/**
 * Turns a MaxMind DB country database into {@link CountryColumns} by walking
 * its search tree in address order: every leaf is a network whose record is
 * a data pointer (or "not found"); each record is decoded once by asking the
 * `maxmind` reader for an address of that network, so the index answers
 * exactly what the reader answers. Takes a few hundred ms per database.
 * @throws GeoDataError when the bytes are not an IPv6 MaxMind DB.
 */
export function buildCountryColumns(db: Buffer, sourceVersion: string, where: string): CountryColumns {
  let reader: Reader<Response>;
  try {
    reader = new Reader<Response>(db);
  } catch (err) {
    throw new GeoDataError(where, `not a MaxMind DB file: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const { nodeCount, recordSize, ipVersion } = reader.metadata;
  if (ipVersion !== 6) throw new GeoDataError(where, `an IPv${ipVersion} database; the index needs an IPv6 tree (holding IPv4 too)`);
  let read: NodeReader;
  try {
    read = nodeReader(db, recordSize);
  } catch (err) {
    throw new GeoDataError(where, err instanceof Error ? err.message : String(err), err);
  }
  const byPointer = new Map<number, number>();
  const countryAt = (record: number, text: () => string): number => {
    // Past the last node: a data pointer; the node count itself: not found; a node at full depth: not found (as the reader does).
    if (record <= nodeCount) return 0;
    let packed = byPointer.get(record);
    if (packed === undefined) {
      packed = packCountry(countryOfRecord(reader.get(text())));
      byPointer.set(record, packed);
    }
    return packed;
  };

  const v4 = new Runs();
  const walk4 = (node: number, depth: number, prefix: number): void => {
    if (node >= nodeCount || depth === 32) {
      v4.add([prefix], countryAt(node, () => v4Text(prefix)));
      return;
    }
    walk4(read(node, 0), depth + 1, prefix);
    walk4(read(node, 1), depth + 1, prefix + 2 ** (31 - depth));
  };
  let v4Root = 0;
  for (let i = 0; i < 96 && v4Root < nodeCount; i++) v4Root = read(v4Root, 0);
  walk4(v4Root, 0, 0);

  const v6 = new Runs();
  const words = [0, 0, 0, 0];
  const walk6 = (node: number, depth: number, zeros: boolean): void => {
    // The IPv4 subtree (::/96) is answered from the IPv4 runs.
    if (zeros && depth === 96 && node < nodeCount) return;
    if (node >= nodeCount || depth === 128) {
      v6.add(words, countryAt(node, () => v6Text(words)));
      return;
    }
    const word = depth >>> 5;
    const bit = 2 ** (31 - (depth & 31));
    walk6(read(node, 0), depth + 1, zeros);
    words[word] = (words[word] ?? 0) + bit;
    walk6(read(node, 1), depth + 1, false);
    words[word] = (words[word] ?? 0) - bit;
  };
  walk6(0, 0, true);

  return {
    sourceVersion,
    v4Start: Uint32Array.from(v4.starts),
    v4Country: Uint16Array.from(v4.countries),
    v6Start: Uint32Array.from(v6.starts),
    v6Country: Uint16Array.from(v6.countries),
  };
}

function v4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function v6Text(words: readonly number[]): string {
  return words.flatMap((w) => [(w >>> 16).toString(16), (w & 0xffff).toString(16)]).join(':');
}
