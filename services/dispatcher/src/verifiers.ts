import type { VerifyMessage } from '@relay/bus';
import { type Directory, directoryVerifier, operatorSigners, ServiceSigner } from '@relay/directory';
import { parseSubject } from '@relay/wire';

/** Who may have published what the dispatcher consumes, by the directory in force. */
export interface DispatcherVerifiers {
  /** Observations: the locator, or an operator (`relay reroute` re-sends a case's latest observation, decision 0063). */
  readonly hosting: VerifyMessage;
  /** Statuses: the hotline (or authority, or operator) whose subject the status is on. */
  readonly statuses: VerifyMessage;
}

/**
 * The dispatcher's provenance checks, all in one place (decision 0114):
 * signers come from the `current` directory; `strict` (a pinned directory
 * key) fails closed while there is none (decision 0105).
 */
export function dispatcherVerifiers(current: () => Directory | undefined, strict: boolean): DispatcherVerifiers {
  return {
    hosting: directoryVerifier(current, () => [ServiceSigner.Locator, ...operatorSigners(current())], Date.now, strict),
    statuses: directoryVerifier(
      current,
      (subject) => {
        const parsed = parseSubject(subject);
        return parsed.kind === 'status' ? parsed.hotline : '';
      },
      Date.now,
      strict,
    ),
  };
}
