import { Header } from '@relay/wire';
import { type Bus, internals } from './connection.js';
import { ProvenanceError, ProvenanceErrorCode } from './provenance.js';

/** The public key (U...) this connection signs what it publishes with (`RELAY_SIGNING_KEY_FILE`); undefined when it signs nothing. */
export function signingKeyOf(bus: Bus): string | undefined {
  return internals(bus).signer?.publicKey;
}

/**
 * The headers of a copy of the signed message `headers`, stored on
 * `originalSubject`, that an operator re-addresses to another subject
 * (decision 0109): the original `Relay-Origin`, `Relay-Signer`,
 * `Relay-Signed-At` and `Relay-Signature` move to `Relay-Replay-Of-*` beside
 * `Relay-Replay-Of-Subject`, so receivers still verify the original; the
 * copy is then published with the re-signer as origin and signed anew by a
 * signing connection (publishBytes signs what carries no signature). A copy
 * re-addressed again keeps the first original.
 * @throws ProvenanceError `unsigned` for an unsigned message, `signature-v1-refused` for a v1 signature (no subject to re-address from).
 */
export function readdressedHeaders(headers: Readonly<Record<string, string>>, originalSubject: string): Record<string, string> {
  const copy: Record<string, string> = { ...headers };
  delete copy[Header.Signer];
  delete copy[Header.SignedAt];
  delete copy[Header.Signature];
  delete copy[Header.Origin];
  if (headers[Header.ReplayOfSubject] !== undefined) return copy;
  const signer = headers[Header.Signer];
  const signature = headers[Header.Signature];
  const signedAt = headers[Header.SignedAt];
  if (signer === undefined || signature === undefined) throw new ProvenanceError(ProvenanceErrorCode.Unsigned, `the message on ${originalSubject} is not signed: there is no signature to keep`);
  if (signedAt === undefined) throw new ProvenanceError(ProvenanceErrorCode.V1Refused, `the message on ${originalSubject} has a v1 signature, which covers no subject: it cannot be re-addressed`);
  return {
    ...copy,
    [Header.ReplayOfSubject]: originalSubject,
    [Header.ReplayOfOrigin]: headers[Header.Origin] ?? '',
    [Header.ReplayOfSigner]: signer,
    [Header.ReplayOfSignedAt]: signedAt,
    [Header.ReplayOfSignature]: signature,
  };
}
