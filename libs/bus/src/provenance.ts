import { Header, RelayError } from '@relay/wire';
import type { VerifyMessage } from './delivery.js';
import { nativeSigner, verifyNative } from './ed25519.js';
import { signedBytesV1, signedBytesV2, SIGNED_AT } from './signed-form.js';

/** Signs what this process publishes (`Relay-Signer`, `Relay-Signed-At`, `Relay-Signature`). */
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
 * The provenance headers of a message published on `subject` (signed form v2,
 * docs/provenance.md): `Relay-Signer`, `Relay-Signed-At` (`signedAt`, Unix ms)
 * and `Relay-Signature`. `headers` must already hold `Nats-Msg-Id`,
 * `Relay-Type` and `Relay-Origin`.
 * @throws TypeError when a signed header value holds a line break.
 */
export function signatureHeaders(
  signer: Signer,
  subject: string,
  data: Uint8Array,
  headers: Readonly<Record<string, string>>,
  signedAt: number = Date.now(),
): Record<string, string> {
  const added = { [Header.Signer]: signer.publicKey, [Header.SignedAt]: String(Math.trunc(signedAt)) };
  const signature = signer.sign(signedBytesV2(subject, data, { ...headers, ...added }));
  return { ...added, [Header.Signature]: Buffer.from(signature).toString('base64url') };
}

/** Why a message's provenance was refused. */
export const ProvenanceErrorCode = {
  Unsigned: 'unsigned',
  BadSignature: 'signature-invalid',
  UntrustedSigner: 'signer-not-of-org',
  /** The signer is a key of the organisation, but not at the signing time (expired or not yet valid). */
  KeyNotValid: 'signer-key-not-valid',
  /** `Relay-Signed-At` is later than now plus the allowed clock skew. */
  SignedInFuture: 'signed-in-future',
  /** `Relay-Signed-At` is not a decimal Unix time in ms. */
  BadSignedAt: 'signed-at-invalid',
  /** A v1 signature (no subject, no time) on a message stored after the v1 cut-over (decision 0102). */
  V1Refused: 'signature-v1-refused',
  /** A re-addressed copy (`Relay-Replay-Of-Subject`) where no organisation may re-address, or not signed by one that may (decision 0109). */
  ReplayNotAllowed: 'replay-not-allowed',
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

/**
 * One signing key of an organisation with its validity window (Unix ms):
 * valid from `notBefore` (inclusive) until `notAfter` (exclusive); an open end
 * is unbounded.
 */
export interface SignerKey {
  readonly key: string;
  readonly notBefore?: number;
  readonly notAfter?: number;
}

/** Default of {@link ProvenancePolicy.maxSkewMs}: five minutes. */
export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

/** Settings of {@link provenanceVerifier}. */
export interface ProvenancePolicy {
  /**
   * The organisation(s) one of which must have signed a message on this
   * subject (e.g. `gateway` for reports, the hotline for its status).
   */
  readonly expectedSigner: (subject: string, headers: Readonly<Record<string, string>>) => string | readonly string[];
  /** The keys of an organisation; several during a rotation. A plain string is valid for ever. */
  readonly keysOf: (org: string) => readonly (string | SignerKey)[];
  /**
   * The organisations (operators) that may re-address a message to `subject`
   * (decision 0109): a copy carrying `Relay-Replay-Of-*` is accepted only when
   * signed, over its new subject, by one of them naming itself in
   * `Relay-Origin`, and when the original signature verifies over the
   * original subject by the organisation that must sign there. Absent or
   * empty: copies are refused.
   */
  readonly replayers?: (subject: string) => readonly string[];
  /** A signing time later than now plus this is refused. Default {@link DEFAULT_MAX_SKEW_MS}. */
  readonly maxSkewMs?: number;
  /**
   * v1 signatures (decision 0007: no subject, no time) are accepted on messages
   * the stream stored before this instant (Unix ms); absent, never (decision 0102).
   */
  readonly v1StoredBefore?: number;
  /** The clock, Unix ms. Default `Date.now`. */
  readonly now?: () => number;
}

const keyOf = (k: string | SignerKey): SignerKey => (typeof k === 'string' ? { key: k } : k);
const validAt = (k: SignerKey, at: number): boolean => (k.notBefore === undefined || at >= k.notBefore) && (k.notAfter === undefined || at < k.notAfter);

function checkSignature(signer: string, bytes: Uint8Array, signature: string, subject: string): void {
  let valid = false;
  try {
    valid = verifyNative(signer, bytes, Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) throw new ProvenanceError(ProvenanceErrorCode.BadSignature, `signature by ${signer} does not match the message on ${subject}`);
}

/** What a signature check needs besides the message. */
interface Check {
  readonly policy: ProvenancePolicy;
  readonly now: () => number;
  readonly skew: number;
}

/**
 * Checks the signature of `headers` over `subject` and `data` and returns its
 * signing time (v1: the storage time, and only before the cut-over).
 */
function signedAt(c: Check, subject: string, data: Uint8Array, headers: Readonly<Record<string, string>>, storedAt: number | undefined): number {
  const signer = headers[Header.Signer];
  const signature = headers[Header.Signature];
  if (signer === undefined || signature === undefined) {
    throw new ProvenanceError(ProvenanceErrorCode.Unsigned, `message on ${subject} is not signed`);
  }
  const signedAtText = headers[Header.SignedAt];
  if (signedAtText === undefined) {
    if (c.policy.v1StoredBefore === undefined || storedAt === undefined || storedAt >= c.policy.v1StoredBefore) {
      throw new ProvenanceError(ProvenanceErrorCode.V1Refused, `message on ${subject} has a v1 signature (no subject, no signing time) and was not stored before the v1 cut-over`);
    }
    checkSignature(signer, signedBytesV1(data, headers), signature, subject);
    return storedAt;
  }
  if (!SIGNED_AT.test(signedAtText)) throw new ProvenanceError(ProvenanceErrorCode.BadSignedAt, `${Header.SignedAt} of the message on ${subject} is not Unix ms`);
  let bytes: Uint8Array;
  try {
    bytes = signedBytesV2(subject, data, headers);
  } catch {
    throw new ProvenanceError(ProvenanceErrorCode.BadSignature, `the message on ${subject} has a signed header no signature can cover`);
  }
  checkSignature(signer, bytes, signature, subject);
  const at = Number(signedAtText);
  if (at > c.now() + c.skew) {
    throw new ProvenanceError(ProvenanceErrorCode.SignedInFuture, `message on ${subject} is signed at ${new Date(at).toISOString()}, in the future`);
  }
  return at;
}

/** The one of `orgs` whose key `signer` was at `at`. */
function signerOrg(c: Check, orgs: readonly string[], signer: string, at: number, subject: string): string {
  const matching = orgs.flatMap((org) => c.policy.keysOf(org).map((k) => ({ org, key: keyOf(k) }))).filter((m) => m.key.key === signer);
  if (matching.length === 0) {
    throw new ProvenanceError(
      ProvenanceErrorCode.UntrustedSigner,
      `message on ${subject} must be signed by ${orgs.join(' or ')}; ${signer} is not one of their keys`,
    );
  }
  const valid = matching.find((m) => validAt(m.key, at));
  if (!valid) {
    throw new ProvenanceError(ProvenanceErrorCode.KeyNotValid, `key ${signer} was not valid at the signing time ${new Date(at).toISOString()} of the message on ${subject}`);
  }
  return valid.org;
}

const orgsOf = (expected: string | readonly string[]): readonly string[] => (typeof expected === 'string' ? [expected] : expected);

/** The headers of the original of a re-addressed copy: its origin and signature put back. */
function originalHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const original: Record<string, string> = { ...headers };
  const restore = [
    [Header.Origin, Header.ReplayOfOrigin],
    [Header.Signer, Header.ReplayOfSigner],
    [Header.SignedAt, Header.ReplayOfSignedAt],
    [Header.Signature, Header.ReplayOfSignature],
  ] as const;
  for (const [to, from] of restore) {
    const value = headers[from];
    if (value === undefined) delete original[to];
    else original[to] = value;
  }
  return original;
}

/**
 * A `verify` hook for consumers: refuses a message that is unsigned, whose
 * signature does not match its subject, payload and contract headers, whose
 * signing time is in the future, or whose signer was not a key of the
 * organisation the policy expects at the signing time. v1-signed messages are
 * accepted only when stored before the policy's cut-over. A copy an operator
 * re-addressed (`Relay-Replay-Of-Subject`, decision 0109) must carry two valid
 * v2 signatures: the re-signer's (one of `policy.replayers`, named in
 * `Relay-Origin`) over the new subject, and the original's over the original
 * subject by the organisation that must sign there; so a re-signature can move
 * what the right organisation sent, never make up a message. The consumer
 * runner sends refused messages to the DLQ with this error's code.
 */
export function provenanceVerifier(policy: ProvenancePolicy): VerifyMessage {
  const c: Check = { policy, now: policy.now ?? Date.now, skew: policy.maxSkewMs ?? DEFAULT_MAX_SKEW_MS };
  return ({ data, headers, subject, storedAt }) => {
    const originalSubject = headers[Header.ReplayOfSubject];
    if (originalSubject === undefined) {
      const at = signedAt(c, subject, data, headers, storedAt);
      signerOrg(c, orgsOf(policy.expectedSigner(subject, headers)), headers[Header.Signer] ?? '', at, subject);
      return;
    }
    const replayers = policy.replayers?.(subject) ?? [];
    if (replayers.length === 0) {
      throw new ProvenanceError(ProvenanceErrorCode.ReplayNotAllowed, `message on ${subject} is a copy re-addressed from ${originalSubject}, and nobody may re-address messages here`);
    }
    // Both signatures are v2: a re-addressed copy is never accepted on a v1 signature.
    const at = signedAt(c, subject, data, headers, undefined);
    const by = signerOrg(c, replayers, headers[Header.Signer] ?? '', at, subject);
    if (headers[Header.Origin] !== by) {
      throw new ProvenanceError(ProvenanceErrorCode.ReplayNotAllowed, `copy on ${subject} re-signed by ${by} must name it in ${Header.Origin}, not ${JSON.stringify(headers[Header.Origin] ?? '')}`);
    }
    const original = originalHeaders(headers);
    const originalAt = signedAt(c, originalSubject, data, original, undefined);
    signerOrg(c, orgsOf(policy.expectedSigner(originalSubject, original)), original[Header.Signer] ?? '', originalAt, originalSubject);
  };
}
