import { createHash } from 'node:crypto';

/** Domain tag at the start of every link hash, so no other SHA-256 in the relay can be mistaken for one. */
const CHAIN_TAG = new TextEncoder().encode('relay-audit-chain-v1\0');

/** Bytes of a link hash (SHA-256). */
export const AUDIT_LINK_BYTES = 32;

/** The `prev_hash` of the first record in AUDIT: 32 zero bytes. */
export const AUDIT_GENESIS_HASH: Uint8Array = new Uint8Array(AUDIT_LINK_BYTES);

/** A message as AUDIT stores it, as far as the chain covers it. */
export interface AuditLinkInput {
  /** Stream sequence in AUDIT (the mirror keeps the same). */
  readonly seq: number;
  readonly subject: string;
  /** The payload exactly as stored. */
  readonly data: Uint8Array;
}

/**
 * The hash that the next audit record carries as `prev_hash` (decision 0096):
 * SHA-256 over "relay-audit-chain-v1" 0x00, `seq` as 8 bytes big-endian, the
 * subject's UTF-8 length as 4 bytes big-endian, the subject, the payload.
 * Headers are left out: they are transport metadata (trace, signature) and a
 * stored message cannot be changed in place, only removed or added.
 */
export function auditLinkHash(m: AuditLinkInput): Uint8Array {
  const subject = new TextEncoder().encode(m.subject);
  const fixed = new DataView(new ArrayBuffer(12));
  fixed.setBigUint64(0, BigInt(m.seq));
  fixed.setUint32(8, subject.length);
  return createHash('sha256').update(CHAIN_TAG).update(new Uint8Array(fixed.buffer)).update(subject).update(m.data).digest();
}

/** True when two hashes have the same bytes. */
export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
