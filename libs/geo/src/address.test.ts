import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { InvalidAddressError, parseAddress } from './index.js';
import { seeded } from './test-random.js';

const text = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;

/** The first and last address of every IPv4 range ipaddr.js names, read from its own list. */
function ipaddrRangeEdges(): number[] {
  const ranges = (ipaddr.IPv4.prototype as unknown as { SpecialRanges: Record<string, [ipaddr.IPv4, number][]> }).SpecialRanges;
  const edges: number[] = [];
  for (const [address, bits] of Object.values(ranges).flat()) {
    const size = 2 ** (32 - bits);
    const first = Math.floor(address.octets.reduce((n, o) => n * 256 + o, 0) / size) * size;
    edges.push(first, first + size - 1);
  }
  return edges;
}

describe('IPv4 addresses', () => {
  it('classifies every address at and around each ipaddr.js range edge, and 200,000 random ones, exactly as ipaddr.js does', () => {
    const edges = ipaddrRangeEdges();
    expect(edges.length).toBeGreaterThan(20);
    const next = seeded(20_260_611);
    const values = [0, 1, 0xfffffffe, 0xffffffff, ...edges.flatMap((e) => [e - 1, e, e + 1]), ...Array.from({ length: 200_000 }, next)];
    const wrong: string[] = [];
    for (const v of values.filter((n) => n >= 0 && n <= 0xffffffff)) {
      const ip = text(v);
      const expected = ipaddr.IPv4.parse(ip).range();
      const a = parseAddress(ip);
      if (a.range !== expected || a.unroutable !== (expected !== 'unicast') || a.v4 !== v || a.ip !== ip || a.lookupIp !== ip || a.family !== 4) {
        wrong.push(`${ip}: ${a.range} (ipaddr.js: ${expected}), v4 ${a.v4}`);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('accepts surrounding white space and gives the canonical text', () => {
    expect(parseAddress(' 185.107.56.1\n')).toMatchObject({ ip: '185.107.56.1', v4: 0xb96b3801, range: 'unicast' });
  });

  it.each(['01.2.3.4', '1.2.3.04', '1.2.3.256', '256.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4x', '1.2.3.1000', '１.２.３.４', '', '3232235777', '0x7f.0.0.1'])(
    'refuses %j',
    (input) => {
      expect(() => parseAddress(input)).toThrow(InvalidAddressError);
    },
  );
});
