import { fileURLToPath } from 'node:url';
import { signatureHeaders, signerFromSeed } from '@relay/bus';
import { Header, RelayType } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { directoryVerifier, isDirectoryInvalidError, loadDirectoryFile, parseDirectory, signerListOf } from './index.js';

const dev = loadDirectoryFile(fileURLToPath(new URL('../../../deploy/dev/directory.json', import.meta.url)));
// Test keys (docs/provenance-vectors.json publishes them): never used for anything else.
const current = signerFromSeed('SUAISCQVT5DABQMO6C7KNXPSGMO5D5ZYM3EG4DVFVAKAHP222WGQEIDY3Q');
const retired = signerFromSeed('SUAD7GNY5LES37GFWXI7RT3PT7W46OIAQCHD3JXJHFRY3JC2D63MHDZGBY');
const withSigners = (signers: unknown, signing?: unknown) => parseDirectory({ ...dev.file, signers, ...(signing === undefined ? {} : { signing }) });

describe('signer keys in the directory', () => {
  it('keeps a plain key valid for ever and gives an object key its window, in the exported list', () => {
    const d = withSigners({ dispatcher: [current.publicKey, { key: retired.publicKey, notAfter: '2026-01-01T00:00:00Z' }] }, { maxClockSkew: '2m' });
    expect(signerListOf(d)).toEqual({
      version: 1,
      signers: { dispatcher: [{ key: current.publicKey }, { key: retired.publicKey, notAfter: '2026-01-01T00:00:00Z' }] },
      maxClockSkewMs: 120_000,
    });
  });

  it('refuses a window that ends before it starts, and a key that is not a public user nkey', () => {
    const bad = [
      { dispatcher: [{ key: current.publicKey, notBefore: '2026-02-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z' }] },
      { dispatcher: [{ key: 'SUAB', notAfter: '2026-01-01T00:00:00Z' }] },
      { dispatcher: [{ key: current.publicKey, notAfter: 'next year' }] },
    ];
    for (const signers of bad) {
      let err: unknown;
      try {
        withSigners(signers);
      } catch (e) {
        err = e;
      }
      expect(isDirectoryInvalidError(err), JSON.stringify(signers)).toBe(true);
    }
  });

  it('has services refuse a message whose key was retired before it was signed', () => {
    const d = withSigners({ locator: [current.publicKey, { key: retired.publicKey, notAfter: '2026-01-01T00:00:00Z' }] });
    const verify = directoryVerifier(() => d, () => 'locator', () => Date.parse('2026-06-01T00:00:00Z'));
    const data = new Uint8Array([1, 2, 3]);
    const base = { [Header.MsgId]: 'locator:o1', [Header.Origin]: 'ncmec', [Header.Type]: RelayType.HostingObservation };
    const subject = 'relay.hosting.NL';
    const by = (s: typeof current, at: number) => ({ ...base, ...signatureHeaders(s, subject, data, base, at) });
    expect(() => verify({ data, subject, headers: by(current, Date.parse('2026-06-01T00:00:00Z')) })).not.toThrow();
    expect(() => verify({ data, subject, headers: by(retired, Date.parse('2025-12-31T23:59:59Z')) })).not.toThrow();
    expect(() => verify({ data, subject, headers: by(retired, Date.parse('2026-01-01T00:00:00Z')) })).toThrow(expect.objectContaining({ code: 'signer-key-not-valid' }));
  });

  it('never turns verification off for a service pinning a directory key, even for a directory without signers (decision 0111)', () => {
    const data = new Uint8Array([1, 2, 3]);
    const subject = 'relay.hosting.NL';
    const base = { [Header.MsgId]: 'locator:o2', [Header.Origin]: 'ncmec', [Header.Type]: RelayType.HostingObservation };
    const signed = { data, subject, headers: { ...base, ...signatureHeaders(current, subject, data, base, Date.now()) } };
    const unsigned = { data, subject, headers: base };
    // Pinned (strict): no signers means every message is refused, signed or not.
    const strict = directoryVerifier(() => dev, () => 'locator', Date.now, true);
    expect(() => strict(signed)).toThrow(expect.objectContaining({ code: 'signer-not-of-org' }));
    expect(() => strict(unsigned)).toThrow(expect.objectContaining({ code: 'unsigned' }));
    // Only an in-process test without a pinned key and an unsigned directory without signers skips the check.
    expect(() => directoryVerifier(() => dev, () => 'locator')(unsigned)).not.toThrow();
  });
});
