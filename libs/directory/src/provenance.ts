import { provenanceVerifier, type VerifyMessage } from '@relay/bus';
import type { Directory } from './directory.js';

/** The organisations that sign what the relay's services publish (their NATS users' orgs). */
export const ServiceSigner = { Gateway: 'gateway', Locator: 'locator', Dispatcher: 'dispatcher' } as const;
export type ServiceSigner = (typeof ServiceSigner)[keyof typeof ServiceSigner];

/** Operator organisations in the directory's signers (`operator-<name>`, as `relay accounts generate` names them). */
export function operatorSigners(directory: Directory | undefined): string[] {
  return Object.keys(directory?.data.signers ?? {}).filter((org) => org.startsWith('operator-'));
}

/**
 * A consumer's `verify` hook that checks message provenance against the
 * signers of the directory in force (so a key rotation applies without a
 * restart). `expectedSigner` names the organisation that must have signed a
 * message on a subject. A directory without a `signers` section turns
 * verification off: development stacks run unsigned.
 * @throws ProvenanceError (via the hook) for an unsigned, forged or wrong-organisation message.
 */
export function directoryVerifier(
  current: () => Directory | undefined,
  expectedSigner: (subject: string, headers: Readonly<Record<string, string>>) => string | readonly string[],
): VerifyMessage {
  const verify = provenanceVerifier({ expectedSigner, keysOf: (org) => current()?.data.signers[org] ?? [] });
  return (msg) => {
    const signers = current()?.data.signers;
    if (!signers || Object.keys(signers).length === 0) return;
    verify(msg);
  };
}
