// Test vectors of the signed form v2 (docs/provenance.md), made by the real
// signing code so they cannot drift from it. `npx tsx test/security/provenance/write-vectors.ts`
// writes docs/provenance-vectors.json; vectors.test.ts checks the file is what this makes.
import { provenanceVerifier, type Signer, signatureHeaders, signedBytesV2, signerFromSeed } from '@relay/bus';
import { encodeMessage, exampleMessage, Header, RelayType, subjects } from '@relay/wire';

// Test keys only, published with the vectors: never use them for anything else.
const SEEDS = {
  dispatcherOld: 'SUAD7GNY5LES37GFWXI7RT3PT7W46OIAQCHD3JXJHFRY3JC2D63MHDZGBY',
  dispatcherCurrent: 'SUAISCQVT5DABQMO6C7KNXPSGMO5D5ZYM3EG4DVFVAKAHP222WGQEIDY3Q',
  dispatcherNext: 'SUAMD533HVAZM5QT6Y6XX3TKCJDIPNZVKQQJUZKRRAT37BWPJ34Y3NX45I',
  hotlineEokm: 'SUAIFZVLZVDJ2JOCARSC3JJ7K5LHNNYQKFI5OOPPNU6VZTDMSZVE32TKDY',
} as const;

/** The verifier's clock in every vector. */
export const VECTOR_NOW = Date.parse('2026-12-01T12:00:00Z');
const MAX_SKEW_MS = 5 * 60_000;
const OLD_UNTIL = '2026-11-01T00:00:00Z';
const NEXT_FROM = '2027-01-01T00:00:00Z';

/** What a receiver decides for a vector: `accept`, or the refusal code. */
export type Expectation = 'accept' | 'signature-invalid' | 'signer-not-of-org' | 'signer-key-not-valid' | 'signed-in-future';

/** One test vector. */
export interface Vector {
  readonly name: string;
  readonly description: string;
  /** The organisation that must have signed a message on this subject. */
  readonly expectedSigner: string;
  readonly subject: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payloadBase64: string;
  /** The signed form a receiver builds from subject, headers and payload (UTF-8 text). */
  readonly signedForm: string;
  readonly expect: Expectation;
}

/** The vectors file (docs/provenance-vectors.json). */
export interface VectorFile {
  readonly about: string;
  readonly now: string;
  readonly nowMs: number;
  readonly maxClockSkewMs: number;
  /** The signer list in force, as tenants read it (KV relay-directory, key signers). */
  readonly signerList: {
    readonly version: 1;
    readonly signers: Record<string, readonly { key: string; notBefore?: string; notAfter?: string }[]>;
    readonly maxClockSkewMs: number;
  };
  readonly vectors: readonly Vector[];
}

/** Makes the vectors with the code that signs and verifies in production. */
export function makeVectors(): VectorFile {
  const signer = (seed: string): Signer => signerFromSeed(seed);
  const old = signer(SEEDS.dispatcherOld);
  const current = signer(SEEDS.dispatcherCurrent);
  const next = signer(SEEDS.dispatcherNext);
  const eokm = signer(SEEDS.hotlineEokm);
  const signerList = {
    version: 1 as const,
    signers: {
      dispatcher: [{ key: old.publicKey, notAfter: OLD_UNTIL }, { key: current.publicKey }, { key: next.publicKey, notBefore: NEXT_FROM }],
      eokm: [{ key: eokm.publicKey }],
    },
    maxClockSkewMs: MAX_SKEW_MS,
  };
  const referral = encodeMessage(RelayType.Referral, { ...exampleMessage(RelayType.Referral), id: 'ref_vector', jurisdiction: 'NL', hotline: 'eokm' });
  const eokmSubject = subjects.referral('NL', 'eokm');
  const iwfSubject = subjects.referral('GB', 'iwf');
  const base = { [Header.MsgId]: 'dispatcher:ref_vector', [Header.Origin]: 'ncmec', [Header.Type]: RelayType.Referral };
  const signed = (by: Signer, subject: string, signedAt: number, data: Uint8Array = referral): Record<string, string> => ({
    ...base,
    ...signatureHeaders(by, subject, data, base, signedAt),
  });
  const at = VECTOR_NOW - 60_000;
  const vector = (
    name: string,
    description: string,
    expect: Expectation,
    subject: string,
    headers: Record<string, string>,
    data: Uint8Array = referral,
  ): Vector => ({
    name,
    description,
    expectedSigner: 'dispatcher',
    subject,
    headers,
    payloadBase64: Buffer.from(data).toString('base64'),
    signedForm: new TextDecoder().decode(signedBytesV2(subject, data, headers)),
    expect,
  });
  const tampered = new Uint8Array(referral);
  tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x01;
  const vectors: Vector[] = [
    vector('valid', "a referral to eokm signed by the dispatcher's current key a minute ago", 'accept', eokmSubject, signed(current, eokmSubject, at)),
    vector(
      'valid-old-key-in-window',
      "signed by the dispatcher's old key before its notAfter (a rotation's overlap)",
      'accept',
      eokmSubject,
      signed(old, eokmSubject, Date.parse(OLD_UNTIL) - 1),
    ),
    vector('tampered-payload', 'the valid referral with one payload bit flipped', 'signature-invalid', eokmSubject, signed(current, eokmSubject, at), tampered),
    vector('wrong-subject', "the valid referral re-published on another hotline's subject", 'signature-invalid', iwfSubject, signed(current, eokmSubject, at)),
    vector('tampered-origin', 'the valid referral with Relay-Origin changed', 'signature-invalid', eokmSubject, {
      ...signed(current, eokmSubject, at),
      [Header.Origin]: 'iwf',
    }),
    vector('expired-key', "signed by the dispatcher's old key after its notAfter", 'signer-key-not-valid', eokmSubject, signed(old, eokmSubject, at)),
    vector('not-yet-valid-key', "signed by the dispatcher's next key before its notBefore", 'signer-key-not-valid', eokmSubject, signed(next, eokmSubject, at)),
    vector('future-signing-time', 'signed ten minutes after the verifier\'s clock (skew allows five)', 'signed-in-future', eokmSubject, signed(current, eokmSubject, VECTOR_NOW + 10 * 60_000)),
    vector('wrong-organisation', 'a valid signature by a hotline key, where the dispatcher must have signed', 'signer-not-of-org', eokmSubject, signed(eokm, eokmSubject, at)),
  ];
  return {
    about: 'Hotline Relay provenance test vectors, signed form v2 (docs/provenance.md). Test keys only.',
    now: new Date(VECTOR_NOW).toISOString(),
    nowMs: VECTOR_NOW,
    maxClockSkewMs: MAX_SKEW_MS,
    signerList,
    vectors,
  };
}

/** What the TypeScript verifier decides for each vector, by name. */
export function verifyVectorsInTypeScript(file: VectorFile): Record<string, string> {
  const keys = (org: string) =>
    (file.signerList.signers[org] ?? []).map((k) => ({
      key: k.key,
      ...(k.notBefore === undefined ? {} : { notBefore: Date.parse(k.notBefore) }),
      ...(k.notAfter === undefined ? {} : { notAfter: Date.parse(k.notAfter) }),
    }));
  const out: Record<string, string> = {};
  for (const v of file.vectors) {
    const verify = provenanceVerifier({ expectedSigner: () => v.expectedSigner, keysOf: keys, maxSkewMs: file.maxClockSkewMs, now: () => file.nowMs });
    try {
      verify({ data: Buffer.from(v.payloadBase64, 'base64'), headers: v.headers, subject: v.subject });
      out[v.name] = 'accept';
    } catch (err) {
      out[v.name] = err instanceof Error && 'code' in err ? String(err.code) : 'error';
    }
  }
  return out;
}
