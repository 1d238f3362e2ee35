import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { fromPublic, fromSeed, type KeyPair } from '@nats-io/nkeys';

// nkeys signs with tweetnacl in plain JavaScript and derives the key pair again
// for every call: about 10 ms of CPU per signature and per verification on the
// bench machine, against about 0.1 ms for OpenSSL's ed25519 through node:crypto.
// Ed25519 is deterministic, so both give the same bytes (decision 0081).

// DER prefixes of an ed25519 PKCS#8 private key (RFC 8410) and SPKI public key, before the 32 raw bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding, as nkeys encode (validated by nkeys before it gets here). */
function base32Decode(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const ch of text) {
    value = (value << 5) | BASE32.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out[at++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

/** The 32 raw bytes of an nkey (one prefix byte before, a CRC-16 after), checked by nkeys first. */
function rawOf(nkey: string, prefixBytes: number): Buffer {
  return Buffer.from(base32Decode(nkey).subarray(prefixBytes, prefixBytes + 32));
}

/** A native signing function for an nkey seed (`SU...`); nkeys checks the seed. */
export function nativeSigner(seed: Uint8Array): { readonly publicKey: string; sign(data: Uint8Array): Uint8Array } {
  const kp: KeyPair = fromSeed(seed);
  // A seed carries two prefix bytes (seed marker and key type) before the raw seed.
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, rawOf(new TextDecoder().decode(seed), 2)]), format: 'der', type: 'pkcs8' });
  return { publicKey: kp.getPublicKey(), sign: (data) => sign(null, data, key) };
}

const publicKeys = new Map<string, KeyObject>();

/**
 * Checks an ed25519 signature by a public nkey (`U...`). False for a
 * malformed key or signature. Keys are kept (up to 1,024; the directory names
 * a few), as parsing one costs more than a verification.
 */
export function verifyNative(publicKey: string, data: Uint8Array, signature: Uint8Array): boolean {
  let key = publicKeys.get(publicKey);
  if (!key) {
    fromPublic(publicKey);
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, rawOf(publicKey, 1)]), format: 'der', type: 'spki' });
    if (publicKeys.size >= 1024) publicKeys.clear();
    publicKeys.set(publicKey, key);
  }
  return signature.length === 64 && verify(null, data, key, signature);
}
