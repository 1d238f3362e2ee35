import { GeoDataError } from './errors.js';

// The binary layout shared by the prebuilt indexes (ASN, countries): a 64-byte
// header, then typed-array columns back to back, little-endian, so a reader can
// view them in place. Header: 8 ASCII bytes of magic, then u32 fields from byte
// 8: the format number, the index's counts, the source version's length, an
// endian mark; the source version's UTF-8 bytes fill the rest of the header.

const HEADER_BYTES = 64;
const ENDIAN_MARK = 0x01020304;
const COUNTS_AT = 12;

/** Which index a file holds. */
export interface IndexKind {
  /** 8 ASCII bytes at the start of the file. */
  readonly magic: string;
  /** Bumped whenever the layout or its meaning changes. */
  readonly format: number;
  /** How many u32 counts follow the format number. */
  readonly counts: number;
  /** For errors: "a country index file". */
  readonly description: string;
}

/** A decoded header and the columns after it, taken in the order they were written, as views on the bytes. */
export interface IndexReader {
  readonly counts: readonly number[];
  readonly sourceVersion: string;
  u32(n: number): Uint32Array;
  u16(n: number): Uint16Array;
  u8(n: number): Uint8Array;
  /** @throws GeoDataError unless every byte has been taken. */
  end(): void;
}

function layout(kind: IndexKind): { endianAt: number; versionAt: number } {
  const endianAt = COUNTS_AT + 4 * (kind.counts + 1);
  return { endianAt, versionAt: endianAt + 4 };
}

/** Serialises the header and `columns` (each a typed array whose length the counts give). */
export function encodeIndexFile(kind: IndexKind, counts: readonly number[], sourceVersion: string, columns: readonly ArrayBufferView[]): Uint8Array {
  const { endianAt, versionAt } = layout(kind);
  const out = new Uint8Array(HEADER_BYTES + columns.reduce((n, col) => n + col.byteLength, 0));
  const view = new DataView(out.buffer);
  const encoder = new TextEncoder();
  out.set(encoder.encode(kind.magic), 0);
  const version = encoder.encode(sourceVersion).subarray(0, HEADER_BYTES - versionAt);
  [kind.format, ...counts, version.length].forEach((v, i) => view.setUint32(8 + i * 4, v, true));
  view.setUint32(endianAt, ENDIAN_MARK, true);
  out.set(version, versionAt);
  let at = HEADER_BYTES;
  for (const col of columns) {
    out.set(new Uint8Array(col.buffer, col.byteOffset, col.byteLength), at);
    at += col.byteLength;
  }
  return out;
}

/**
 * Checks the header of `bytes` and reads its columns without copying.
 * @throws GeoDataError when the bytes are not an index of this kind and format.
 */
export function readIndexFile(bytes: Uint8Array, where: string, kind: IndexKind): IndexReader {
  const fail = (reason: string): never => {
    throw new GeoDataError(where, reason);
  };
  if (bytes.byteLength < HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, 8)) !== kind.magic) fail(`not ${kind.description}`);
  const { endianAt, versionAt } = layout(kind);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const field = (at: number): number => view.getUint32(at, true);
  if (field(8) !== kind.format) fail(`index format ${field(8)}, expected ${kind.format}`);
  if (view.getUint32(endianAt, false) === ENDIAN_MARK) fail('index written on a machine of the other byte order');
  if (bytes.byteOffset % 4 !== 0) fail('index buffer is not 4-byte aligned');
  const counts = Array.from({ length: kind.counts }, (_, i) => field(COUNTS_AT + 4 * i));
  const versionLength = Math.min(field(endianAt - 4), HEADER_BYTES - versionAt);
  const sourceVersion = new TextDecoder().decode(bytes.subarray(versionAt, versionAt + versionLength));
  const end = bytes.byteOffset + bytes.byteLength;
  let at = bytes.byteOffset + HEADER_BYTES;
  const take = (n: number, size: number): number => {
    if (at + n * size > end) fail('index file is truncated');
    const from = at;
    at += n * size;
    return from;
  };
  return {
    counts,
    sourceVersion,
    u32: (n) => new Uint32Array(bytes.buffer, take(n, 4), n),
    u16: (n) => new Uint16Array(bytes.buffer, take(n, 2), n),
    u8: (n) => new Uint8Array(bytes.buffer, take(n, 1), n),
    end: () => {
      if (at !== end) fail('index file has the wrong length');
    },
  };
}
