/**
 * The set of cases to recheck, compact enough for millions: each case is its
 * 16-byte id in a slab, a slot of the interval derived from its id (the same
 * phase as `recheckPhase`), and links in its slot's list; an open-addressing
 * table finds a case by id. About 40 bytes per case, against several hundred
 * for a Set of id strings.
 */
export interface RecheckIndex {
  /** Adds a case (idempotent). `caseId` is `case_` + 32 hex digits. */
  add(caseId: string): void;
  /** Removes a case (idempotent). */
  remove(caseId: string): void;
  has(caseId: string): boolean;
  size(): number;
  /**
   * Case ids of every slot that ended since the previous call, each slot at
   * most once per call (so a clock that jumps a whole interval yields every
   * case once). The first call only sets the starting point.
   */
  due(now: number): string[];
  /** Bytes held by the index's arrays. */
  memoryBytes(): number;
}

const EMPTY = 0;
const TOMBSTONE = -1;
const NONE = -1;
const ID_BYTES = 16;
const ID_PREFIX = 'case_';

/** Value of a lower-case hex digit's char code, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Creates an index for rechecks every `intervalMs`, in `slots` slots (default: one per ~220 ms, at most 4,096). */
export function createRecheckIndex(intervalMs: number, slots = Math.max(1, Math.min(4096, Math.floor(intervalMs / 50)))): RecheckIndex {
  let capacity = 1024;
  let ids = new Uint8Array(capacity * ID_BYTES);
  let next = new Int32Array(capacity);
  let prev = new Int32Array(capacity);
  let slotOf = new Uint16Array(capacity);
  let table = new Int32Array(capacity * 2);
  const heads = new Int32Array(slots).fill(NONE);
  const free: number[] = [];
  let used = 0;
  let count = 0;
  let tombstones = 0;
  let lastDone: number | undefined;

  const parse = (caseId: string, into: Uint8Array, at: number): void => {
    if (caseId.length !== ID_PREFIX.length + 2 * ID_BYTES || !caseId.startsWith(ID_PREFIX)) throw new TypeError(`not a case id: ${caseId}`);
    // By hand: a million adds at start-up, and Buffer.from(hex) allocates each time.
    for (let i = 0; i < ID_BYTES; i++) {
      const hi = hexValue(caseId.charCodeAt(ID_PREFIX.length + 2 * i));
      const lo = hexValue(caseId.charCodeAt(ID_PREFIX.length + 2 * i + 1));
      if (hi < 0 || lo < 0) throw new TypeError(`not a case id: ${caseId}`);
      into[at + i] = (hi << 4) | lo;
    }
  };
  const key = new Uint8Array(ID_BYTES);
  const hashOf = (bytes: Uint8Array, at: number): number => ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  const sameId = (handle: number): boolean => {
    const at = handle * ID_BYTES;
    for (let i = 0; i < ID_BYTES; i++) if (ids[at + i] !== key[i]) return false;
    return true;
  };
  // Returns the table position holding the key, or -(insert position) - 1.
  const find = (): number => {
    const mask = table.length - 1;
    let pos = hashOf(key, 0) & mask;
    let insertAt = -1;
    for (;;) {
      const v = table[pos]!;
      if (v === EMPTY) return -((insertAt >= 0 ? insertAt : pos) + 1);
      if (v === TOMBSTONE) {
        if (insertAt < 0) insertAt = pos;
      } else if (sameId(v - 1)) {
        return pos;
      }
      pos = (pos + 1) & mask;
    }
  };
  const rehash = (size: number): void => {
    table = new Int32Array(size);
    tombstones = 0;
    const mask = size - 1;
    for (let s = 0; s < slots; s++) {
      for (let h = heads[s]!; h !== NONE; h = next[h]!) {
        let pos = hashOf(ids, h * ID_BYTES) & mask;
        while (table[pos] !== EMPTY) pos = (pos + 1) & mask;
        table[pos] = h + 1;
      }
    }
  };
  const grow = (): void => {
    capacity *= 2;
    const grown = <T extends Uint8Array | Int32Array | Uint16Array>(old: T, make: (n: number) => T, per = 1): T => {
      const a = make(capacity * per);
      a.set(old);
      return a;
    };
    ids = grown(ids, (n) => new Uint8Array(n), ID_BYTES);
    next = grown(next, (n) => new Int32Array(n));
    prev = grown(prev, (n) => new Int32Array(n));
    slotOf = grown(slotOf, (n) => new Uint16Array(n));
    rehash(capacity * 2);
  };

  // The same phase as recheckPhase(): the first 32 bits of the id, modulo the interval.
  const slotOf32 = (bytes: Uint8Array): number => Math.floor(((hashOf(bytes, 0) % intervalMs) * slots) / intervalMs);

  return {
    add(caseId) {
      parse(caseId, key, 0);
      const at = find();
      if (at >= 0) return;
      let handle = free.pop();
      if (handle === undefined) {
        if (used === capacity) {
          // The table was rebuilt: find the insert position again.
          grow();
          this.add(caseId);
          return;
        }
        handle = used++;
      }
      ids.set(key, handle * ID_BYTES);
      const slot = slotOf32(key);
      slotOf[handle] = slot;
      prev[handle] = NONE;
      next[handle] = heads[slot]!;
      if (heads[slot] !== NONE) prev[heads[slot]!] = handle;
      heads[slot] = handle;
      const pos = -at - 1;
      if (table[pos] === TOMBSTONE) tombstones--;
      table[pos] = handle + 1;
      count++;
    },
    remove(caseId) {
      parse(caseId, key, 0);
      const at = find();
      if (at < 0) return;
      const handle = table[at]! - 1;
      table[at] = TOMBSTONE;
      tombstones++;
      const slot = slotOf[handle]!;
      if (prev[handle] !== NONE) next[prev[handle]!] = next[handle]!;
      else heads[slot] = next[handle]!;
      if (next[handle] !== NONE) prev[next[handle]!] = prev[handle]!;
      free.push(handle);
      count--;
      if (tombstones > table.length / 4) rehash(table.length);
    },
    has(caseId) {
      parse(caseId, key, 0);
      return find() >= 0;
    },
    size: () => count,
    due(now) {
      const current = Math.floor(now / intervalMs) * slots + Math.floor(((now % intervalMs) * slots) / intervalMs);
      if (lastDone === undefined || current - 1 < lastDone) {
        lastDone = current - 1;
        return [];
      }
      const out: string[] = [];
      const from = Math.max(lastDone + 1, current - slots);
      for (let a = from; a < current; a++) {
        for (let h = heads[a % slots]!; h !== NONE; h = next[h]!) {
          out.push(ID_PREFIX + Buffer.from(ids.subarray(h * ID_BYTES, (h + 1) * ID_BYTES)).toString('hex'));
        }
      }
      lastDone = current - 1;
      return out;
    },
    memoryBytes: () => ids.byteLength + next.byteLength + prev.byteLength + slotOf.byteLength + table.byteLength + heads.byteLength + free.length * 8,
  };
}
