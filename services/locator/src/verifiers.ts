import type { VerifyMessage } from '@relay/bus';
import { type Directory, directoryVerifier, operatorSigners, ServiceSigner } from '@relay/directory';

/** Who may have published what the locator consumes, by the directory in force. */
export interface LocatorVerifiers {
  /** Reports: the gateway. */
  readonly reports: VerifyMessage;
  /** Recheck requests: the dispatcher, or an operator (`relay audit --repair`, decision 0154). */
  readonly rechecks: VerifyMessage;
}

/**
 * The locator's provenance checks, all in one place (decision 0114):
 * signers come from the `current` directory; `strict` (a pinned directory
 * key) fails closed while there is none (decision 0105).
 */
export function locatorVerifiers(current: () => Directory | undefined, strict: boolean): LocatorVerifiers {
  return {
    reports: directoryVerifier(current, () => ServiceSigner.Gateway, Date.now, strict),
    rechecks: directoryVerifier(current, () => [ServiceSigner.Dispatcher, ...operatorSigners(current())], Date.now, strict),
  };
}
