import ipaddr from 'ipaddr.js';

/**
 * The value of `text` when it is an IPv4 address in canonical dotted-quad
 * form (four decimal parts 0-255 without leading zeros: exactly what
 * ipaddr.js prints), or -1 for anything else. No allocation: this is the
 * front of every lookup.
 */
export function dottedQuadValue(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= length; i++) {
    const c = i < length ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 255 || ++parts > 4) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}

/**
 * ipaddr.js's IPv4 special ranges as a sorted partition of the address space:
 * `starts[i]` is where a run of addresses with the range name `names[i]`
 * begins. The boundaries come from ipaddr.js's own range list and each run's
 * name from ipaddr.js's `range()`, so the table says exactly what ipaddr.js
 * says, address for address (checked by `ipv4.test.ts` at every boundary).
 */
interface RangeTable {
  readonly starts: Uint32Array;
  readonly names: readonly string[];
}

type SpecialRanges = Record<string, [ipaddr.IPv4, number][] | [ipaddr.IPv4, number]>;

/** ipaddr.js keeps its range list on the prototype (not in its typings); `range()` walks it. */
function specialRanges(): SpecialRanges {
  const ranges = (ipaddr.IPv4.prototype as unknown as { SpecialRanges?: unknown }).SpecialRanges;
  if (typeof ranges !== 'object' || ranges === null) {
    throw new Error('ipaddr.js no longer exposes IPv4.prototype.SpecialRanges: the IPv4 range table cannot be built');
  }
  return ranges as SpecialRanges;
}

function buildRangeTable(): RangeTable {
  const boundaries = new Set<number>([0]);
  for (const subnets of Object.values(specialRanges())) {
    const list = subnets.length > 0 && Array.isArray(subnets[0]) ? (subnets as [ipaddr.IPv4, number][]) : [subnets as [ipaddr.IPv4, number]];
    for (const [address, bits] of list) {
      const size = 2 ** (32 - bits);
      const start = Math.floor(valueOf(address) / size) * size;
      boundaries.add(start);
      if (start + size <= 0xffffffff) boundaries.add(start + size);
    }
  }
  const sorted = [...boundaries].sort((a, b) => a - b);
  const starts: number[] = [];
  const names: string[] = [];
  for (const start of sorted) {
    // Every address between two boundaries is in the same set of subnets, so one probe names the run.
    const name = ipaddr.IPv4.parse(textOf(start)).range();
    if (names[names.length - 1] === name) continue;
    starts.push(start);
    names.push(name);
  }
  return { starts: Uint32Array.from(starts), names };
}

function valueOf(address: ipaddr.IPv4): number {
  return address.octets.reduce((n, o) => n * 256 + o, 0);
}

function textOf(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

const TABLE = buildRangeTable();

/**
 * The ipaddr.js range name (`unicast`, `private`, `loopback`, ...) of the
 * IPv4 address with value `value` (an unsigned 32-bit number).
 */
export function ipv4RangeOf(value: number): string {
  const { starts, names } = TABLE;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((starts[mid] ?? 0) <= value) lo = mid;
    else hi = mid - 1;
  }
  return names[lo] ?? 'unicast';
}
