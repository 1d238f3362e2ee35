import type { VerifyMessage } from '@relay/bus';
import { type Directory, directoryVerifier, operatorSigners, ServiceSigner } from '@relay/directory';

/** Who may have published what the watch consumes, by the directory in force. */
export interface WatchVerifiers {
  /**
   * Notices: the dispatcher's (or an operator's re-signed replay, decision
   * 0109); wave notices on NOTICES are the watch's own, and are skipped after
   * this check.
   */
  readonly notices: VerifyMessage;
}

const WAVE_SUFFIX = '.hoster-relocated';

/**
 * The watch's provenance checks, all in one place (decision 0114): signers
 * come from the `current` directory; `strict` (a pinned directory key) fails
 * closed while there is none (decision 0105).
 */
export function watchVerifiers(current: () => Directory | undefined, strict: boolean): WatchVerifiers {
  return {
    notices: directoryVerifier(
      current,
      (subject) => (subject.endsWith(WAVE_SUFFIX) ? ServiceSigner.Watch : [ServiceSigner.Dispatcher, ...operatorSigners(current())]),
      Date.now,
      strict,
    ),
  };
}
