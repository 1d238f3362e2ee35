import { provenanceVerifier, TransientError, type VerifyMessage } from '@relay/bus';
import type { Directory } from './directory.js';
import { isEmptySignerList, policyOfList, type SignerList, signerListOf } from './signers.js';

/** The organisations that sign what the relay's services publish (their NATS users' orgs). */
export const ServiceSigner = { Gateway: 'gateway', Locator: 'locator', Dispatcher: 'dispatcher', Watch: 'watch' } as const;
export type ServiceSigner = (typeof ServiceSigner)[keyof typeof ServiceSigner];

/** Operator organisations in the directory's signers (`operator-<name>`, as `relay accounts generate` names them). */
export function operatorSigners(directory: Directory | undefined): string[] {
  return Object.keys(directory?.data.signers ?? {}).filter((org) => org.startsWith('operator-'));
}

/**
 * A consumer's `verify` hook that checks message provenance against the
 * signers of the directory in force (so a key rotation applies without a
 * restart): signed form v2 over the subject, the key valid at the signing
 * time, the signing time not beyond the directory's clock skew.
 * `expectedSigner` names the organisation that must have signed a message on
 * a subject. With `strict` (a directory key pinned, as every service runs)
 * nothing turns verification off: every message is retried until a validly
 * signed directory is in force, and a directory without signers would refuse
 * every message (openDirectory refuses such a one before; decision 0111).
 * Only without `strict` (in-process tests) do an unsigned directory without
 * `signers`, or no directory at all, leave messages unchecked.
 * @throws ProvenanceError (via the hook) for an unsigned, forged or wrong-organisation message.
 * @throws TransientError (via the hook) when strict and no valid directory is in force.
 */
export function directoryVerifier(
  current: () => Directory | undefined,
  expectedSigner: (subject: string, headers: Readonly<Record<string, string>>) => string | readonly string[],
  now: () => number = Date.now,
  strict = false,
): VerifyMessage {
  let seen: { directory: Directory; verify: VerifyMessage; off: boolean } | undefined;
  return (msg) => {
    const directory = current();
    if (!directory) {
      if (strict) throw new TransientError('no valid signed directory in force: cannot verify provenance yet');
      return;
    }
    if (seen?.directory !== directory) {
      const list: SignerList = signerListOf(directory);
      seen = { directory, off: !strict && directory.signed === undefined && isEmptySignerList(list), verify: provenanceVerifier({ expectedSigner, now, ...policyOfList(list) }) };
    }
    if (!seen.off) seen.verify(msg);
  };
}
