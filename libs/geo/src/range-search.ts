/**
 * Searches over sorted range starts, shared by the ASN and country indexes.
 * Both answer "the last range starting at or before this address"; the caller
 * decides what the range means (and whether the address is past its end).
 */

const BUCKET_BITS = 16;
const BUCKETS = 1 << BUCKET_BITS;

/**
 * A search over sorted unsigned 32-bit starts, with a jump table by the top
 * 16 bits of the address, so a lookup binary-searches only the few starts
 * that share them (a handful of steps instead of about 19 over 400k ranges,
 * most of them cache misses). The table costs 256 KiB and one pass to build.
 */
export interface V4Search {
  /** Index of the last start <= `ip` (an unsigned 32-bit number), or -1 when every start is greater. */
  lastAtOrBefore(ip: number): number;
}

class JumpTableSearch implements V4Search {
  /** `first[h]`: index of the first start whose top 16 bits are >= h; `first[BUCKETS]` = count. */
  private readonly first = new Uint32Array(BUCKETS + 1);

  constructor(private readonly starts: Uint32Array) {
    let i = 0;
    for (let h = 0; h <= BUCKETS; h++) {
      while (i < starts.length && (starts[i] ?? 0) >>> BUCKET_BITS < h) i++;
      this.first[h] = i;
    }
  }

  lastAtOrBefore(ip: number): number {
    const h = ip >>> BUCKET_BITS;
    // Every start before first[h] is below ip's bucket; every start from first[h+1] on is above ip.
    let lo = this.first[h] ?? 0;
    let hi = (this.first[h + 1] ?? 0) - 1;
    let found = lo - 1;
    const starts = this.starts;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((starts[mid] ?? 0) <= ip) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}

/** A {@link V4Search} over `starts` (sorted ascending; not copied). */
export function createV4Search(starts: Uint32Array): V4Search {
  return new JumpTableSearch(starts);
}

/** Compares IPv6 words `w` with the four words at `i * 4` of `col`: -1, 0 or 1. */
export function compareV6(w: readonly [number, number, number, number], col: Uint32Array, i: number): number {
  const base = i * 4;
  for (let k = 0; k < 4; k++) {
    const a = w[k] ?? 0;
    const b = col[base + k] ?? 0;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/**
 * Index of the last IPv6 start <= `w` in `starts` (four big-endian words per
 * start, sorted), or -1 when every start is greater.
 */
export function lastV6AtOrBefore(w: readonly [number, number, number, number], starts: Uint32Array): number {
  let lo = 0;
  let hi = starts.length / 4 - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compareV6(w, starts, mid) >= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
