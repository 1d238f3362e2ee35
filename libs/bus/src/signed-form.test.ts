import { createUser } from '@nats-io/nkeys';
import { exampleMessage, encodeMessage, Header, RelayType } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { isProvenanceError, provenanceVerifier, signatureHeaders, signedBytesV1, signedBytesV2, signerFromSeed } from './index.js';

const signer = signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
const data = encodeMessage(RelayType.Referral, exampleMessage(RelayType.Referral));
const base = { [Header.MsgId]: 'dispatcher:r1', [Header.Origin]: 'ncmec', [Header.Type]: RelayType.Referral };
const subject = 'relay.referral.NL.eokm';
const CUTOVER = Date.parse('2026-12-01T00:00:00Z');

function codeOf(run: () => void): string {
  try {
    run();
    return 'accept';
  } catch (err) {
    return isProvenanceError(err) ? err.code : 'other';
  }
}

const v1Signed = { ...base, [Header.Signer]: signer.publicKey };
const v1Headers = { ...v1Signed, [Header.Signature]: Buffer.from(signer.sign(signedBytesV1(data, v1Signed))).toString('base64url') };
const verify = (v1StoredBefore?: number) =>
  provenanceVerifier({ expectedSigner: () => 'dispatcher', keysOf: () => [signer.publicKey], ...(v1StoredBefore === undefined ? {} : { v1StoredBefore }) });

describe('the signed form', () => {
  it('v2 names the subject, the signing time and the payload digest, line by line', () => {
    const headers = { ...base, ...signatureHeaders(signer, subject, data, base, 1_000) };
    const text = new TextDecoder().decode(signedBytesV2(subject, data, headers));
    expect(text.split('\n').slice(0, 7)).toEqual([
      'relay-sig-v2',
      `subject:${subject}`,
      'nats-msg-id:dispatcher:r1',
      'relay-origin:ncmec',
      'relay-signed-at:1000',
      `relay-signer:${signer.publicKey}`,
      `relay-type:${RelayType.Referral}`,
    ]);
    expect(text).toMatch(/\npayload-sha256:[0-9a-f]{64}\n$/);
  });

  it('refuses a line break in a covered value rather than sign an ambiguous form', () => {
    expect(() => signatureHeaders(signer, subject, data, { ...base, [Header.Origin]: 'ncmec\nrelay-type:x' })).toThrow(TypeError);
  });

  it('accepts a v1 signature only on a message stored before the cut-over, and never without one', () => {
    expect(codeOf(() => verify(CUTOVER)({ data, headers: v1Headers, subject, storedAt: CUTOVER - 1 }))).toBe('accept');
    expect(codeOf(() => verify(CUTOVER)({ data, headers: v1Headers, subject, storedAt: CUTOVER }))).toBe('signature-v1-refused');
    expect(codeOf(() => verify()({ data, headers: v1Headers, subject, storedAt: CUTOVER - 1 }))).toBe('signature-v1-refused');
    expect(codeOf(() => verify(CUTOVER)({ data, headers: v1Headers, subject }))).toBe('signature-v1-refused');
  });

  it('never verifies a v2 signature as v1: stripping Relay-Signed-At does not help a forger', () => {
    const headers: Record<string, string> = { ...base, ...signatureHeaders(signer, subject, data, base) };
    delete headers[Header.SignedAt];
    expect(codeOf(() => verify(CUTOVER)({ data, headers, subject: 'relay.referral.GB.iwf', storedAt: CUTOVER - 1 }))).toBe('signature-invalid');
  });

  it('refuses a signing time that is not decimal Unix ms', () => {
    const headers = { ...base, ...signatureHeaders(signer, subject, data, base), [Header.SignedAt]: '1e3' };
    expect(codeOf(() => verify()({ data, headers, subject }))).toBe('signed-at-invalid');
  });
});
