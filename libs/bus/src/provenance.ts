import { Header, RelayError } from '@relay/wire';
import type { VerifyMessage } from './delivery.js';
import { nativeSigner, verifyNative } from './ed25519.js';

/** Signs what this process publishes (`Relay-Signer`, `Relay-Signature`). */
export interface Signer {
  /** Public nkey (U...), sent as `Relay-Signer`. */
  readonly publicKey: string;
  sign(data: Uint8Array): Uint8Array;
}

/** A signer from an nkey seed (`SU...`), as written by `relay accounts generate`; signs with node:crypto (decision 0081). */
export function signerFromSeed(seed: Uint8Array | string): Signer {
  return nativeSigner(new TextEncoder().encode((typeof seed === 'string' ? seed : new TextDecoder().decode(seed)).trim()));
}

/**
 * The bytes a signature covers: a version tag, `Nats-Msg-Id` and every
 * `Relay-*` header but the signature itself (names lower-cased, sorted), and
 * the payload. Covering `Relay-Origin` is what makes a message replayed under
 * another origin fail verification.
 */
export function signedBytes(data: Uint8Array, headers: Readonly<Record<string, string>>): Uint8Array {
  const lines = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .filter(([k]) => (k.startsWith('relay-') && k !== Header.Signature.toLowerCase() && !k.startsWith('relay-dlq-') && k !== Header.Error.toLowerCase()) || k === 'nats-msg-id')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}:${v}\n`)
    .join('');
  const head = new TextEncoder().encode(`relay-sig-v1\n${lines}\n`);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

/** Adds `Relay-Signer` and `Relay-Signature` for `data` with `headers` (which must already hold every other Relay-* header). */
export function signatureHeaders(signer: Signer, data: Uint8Array, headers: Readonly<Record<string, string>>): Record<string, string> {
  const withSigner = { ...headers, [Header.Signer]: signer.publicKey };
  return { [Header.Signer]: signer.publicKey, [Header.Signature]: Buffer.from(signer.sign(signedBytes(data, withSigner))).toString('base64url') };
}

/** Why a message's provenance was refused. */
export const ProvenanceErrorCode = {
  Unsigned: 'unsigned',
  BadSignature: 'signature-invalid',
  UntrustedSigner: 'signer-not-of-org',
} as const;
export type ProvenanceErrorCode = (typeof ProvenanceErrorCode)[keyof typeof ProvenanceErrorCode];

/** A message without a valid signature by the organisation that must have sent it. Never retryable. */
export class ProvenanceError extends RelayError {
  override name = 'ProvenanceError';

  constructor(code: ProvenanceErrorCode, message: string) {
    super(code, message, { retryable: false });
  }
}

/** True when `err` is a {@link ProvenanceError}. */
export function isProvenanceError(err: unknown): err is ProvenanceError {
  return err instanceof ProvenanceError;
}

/** Settings of {@link provenanceVerifier}. */
export interface ProvenancePolicy {
  /**
   * The organisation(s) one of which must have signed a message on this
   * subject (e.g. `gateway` for reports, the hotline for its status).
   */
  readonly expectedSigner: (subject: string, headers: Readonly<Record<string, string>>) => string | readonly string[];
  /** The public keys an organisation signs with now; several during a key rotation. */
  readonly keysOf: (org: string) => readonly string[];
}

/**
 * A `verify` hook for consumers: refuses a message that is unsigned, whose
 * signature does not match its payload and Relay-* headers, or whose signer is
 * not a current key of the organisation the policy expects. The consumer runner
 * sends refused messages to the DLQ with this error's code.
 */
export function provenanceVerifier(policy: ProvenancePolicy): VerifyMessage {
  return ({ data, headers, subject }) => {
    const signer = headers[Header.Signer];
    const signature = headers[Header.Signature];
    if (signer === undefined || signature === undefined) {
      throw new ProvenanceError(ProvenanceErrorCode.Unsigned, `message on ${subject} is not signed`);
    }
    let valid = false;
    try {
      valid = verifyNative(signer, signedBytes(data, headers), Buffer.from(signature, 'base64url'));
    } catch {
      valid = false;
    }
    if (!valid) throw new ProvenanceError(ProvenanceErrorCode.BadSignature, `signature by ${signer} does not match the message on ${subject}`);
    const expected = policy.expectedSigner(subject, headers);
    const orgs = typeof expected === 'string' ? [expected] : expected;
    if (!orgs.some((org) => policy.keysOf(org).includes(signer))) {
      throw new ProvenanceError(
        ProvenanceErrorCode.UntrustedSigner,
        `message on ${subject} must be signed by ${orgs.join(' or ')}; ${signer} is not one of their keys`,
      );
    }
  };
}
