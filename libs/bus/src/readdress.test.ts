import { createUser } from '@nats-io/nkeys';
import { encodeMessage, exampleMessage, Header, RelayType } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { isProvenanceError, provenanceVerifier, readdressedHeaders, signatureHeaders, signerFromSeed } from './index.js';

const newSigner = () => signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
const dispatcher = newSigner();
const alice = newSigner();
const data = encodeMessage(RelayType.Referral, exampleMessage(RelayType.Referral));
const base = { [Header.MsgId]: 'dispatcher:r1', [Header.Origin]: 'ncmec', [Header.Type]: RelayType.Referral };
const FROM = 'relay.referral.NL.eokm';
const TO = 'relay.referral.NL.offlimits';
const keys: Record<string, string[]> = { dispatcher: [dispatcher.publicKey], 'operator-alice': [alice.publicKey] };
const verifier = (replayers: string[] = ['operator-alice']) =>
  provenanceVerifier({ expectedSigner: () => 'dispatcher', keysOf: (org) => keys[org] ?? [], replayers: () => replayers });

function codeOf(run: () => void): string {
  try {
    run();
    return 'accept';
  } catch (err) {
    return isProvenanceError(err) ? err.code : 'other';
  }
}

/** What publishBytes stores for the operator's copy: the moved headers, its origin, its signature over `to`. */
function copyBy(signer = alice, origin = 'operator-alice', original = { ...base, ...signatureHeaders(dispatcher, FROM, data, base) }, to = TO, payload = data) {
  const moved = { ...readdressedHeaders(original, FROM), [Header.Origin]: origin };
  return { ...moved, ...signatureHeaders(signer, to, payload, moved) };
}

describe('a copy an operator re-addressed (decision 0109)', () => {
  it('verifies on its new subject, keeping the original signer and signature beside the operator’s', () => {
    const headers = copyBy();
    expect(codeOf(() => verifier()({ data, headers, subject: TO }))).toBe('accept');
    expect(headers).toMatchObject({
      [Header.Origin]: 'operator-alice',
      [Header.Signer]: alice.publicKey,
      [Header.ReplayOfSubject]: FROM,
      [Header.ReplayOfOrigin]: 'ncmec',
      [Header.ReplayOfSigner]: dispatcher.publicKey,
    });
    // Re-addressed again, it keeps the first original.
    const again = { ...readdressedHeaders(headers, TO), [Header.Origin]: 'operator-alice' };
    const twice: Record<string, string> = { ...again, ...signatureHeaders(alice, 'relay.referral.NL.other', data, again) };
    expect(twice[Header.ReplayOfSubject]).toBe(FROM);
    expect(codeOf(() => verifier()({ data, headers: twice, subject: 'relay.referral.NL.other' }))).toBe('accept');
  });

  it('never lets an operator make up a message: a new payload, or an original it signed itself, is refused', () => {
    const other = encodeMessage(RelayType.Referral, { ...exampleMessage(RelayType.Referral), id: 'ref_made_up' });
    expect(codeOf(() => verifier()({ data: other, headers: copyBy(alice, 'operator-alice', undefined, TO, other), subject: TO }))).toBe('signature-invalid');
    const ownOriginal = { ...base, ...signatureHeaders(alice, FROM, data, base) };
    expect(codeOf(() => verifier()({ data, headers: copyBy(alice, 'operator-alice', ownOriginal), subject: TO }))).toBe('signer-not-of-org');
  });

  it('is refused where nobody may re-address, when not signed by an operator, or when its origin hides who did', () => {
    expect(codeOf(() => verifier([])({ data, headers: copyBy(), subject: TO }))).toBe('replay-not-allowed');
    expect(codeOf(() => verifier()({ data, headers: copyBy(dispatcher, 'dispatcher'), subject: TO }))).toBe('signer-not-of-org');
    expect(codeOf(() => verifier()({ data, headers: copyBy(alice, 'ncmec'), subject: TO }))).toBe('replay-not-allowed');
    // Moved to yet another subject without a new signature.
    expect(codeOf(() => verifier()({ data, headers: copyBy(), subject: 'relay.referral.GB.iwf' }))).toBe('signature-invalid');
  });

  it('cannot be made of an unsigned or v1-signed message', () => {
    expect(codeOf(() => readdressedHeaders(base, FROM))).toBe('unsigned');
    expect(codeOf(() => readdressedHeaders({ ...base, [Header.Signer]: dispatcher.publicKey, [Header.Signature]: 'x' }, FROM))).toBe('signature-v1-refused');
  });
});
