import { createUser, fromPublic } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import { nativeSigner, verifyNative } from './ed25519.js';

describe('ed25519 through node:crypto for nkeys (decision 0081)', () => {
  const data = new TextEncoder().encode('relay-sig-v1\nrelay-origin:dispatcher\n\npayload');

  it('signs exactly as nkeys does, with the same public key', () => {
    for (let i = 0; i < 5; i++) {
      const kp = createUser();
      const native = nativeSigner(kp.getSeed());
      expect(native.publicKey).toBe(kp.getPublicKey());
      expect(Buffer.from(native.sign(data)).toString('hex')).toBe(Buffer.from(kp.sign(data)).toString('hex'));
    }
  });

  it('accepts what nkeys signed and nkeys accepts what it signed', () => {
    const kp = createUser();
    expect(verifyNative(kp.getPublicKey(), data, kp.sign(data))).toBe(true);
    expect(fromPublic(kp.getPublicKey()).verify(data, nativeSigner(kp.getSeed()).sign(data))).toBe(true);
  });

  it('refuses a tampered message, another key and a truncated signature', () => {
    const kp = createUser();
    const other = createUser();
    const sig = nativeSigner(kp.getSeed()).sign(data);
    const tampered = Uint8Array.from(data);
    tampered[0] = tampered[0]! ^ 1;
    expect(verifyNative(kp.getPublicKey(), tampered, sig)).toBe(false);
    expect(verifyNative(other.getPublicKey(), data, sig)).toBe(false);
    expect(verifyNative(kp.getPublicKey(), data, sig.subarray(0, 63))).toBe(false);
  });

  it('throws on a malformed public key or seed rather than using it', () => {
    expect(() => verifyNative('UNOTAKEY', data, new Uint8Array(64))).toThrow();
    expect(() => nativeSigner(new TextEncoder().encode('SUNOTASEED'))).toThrow();
  });
});
