import { headerValue, type VerifyMessage } from '@relay/bus';
import { type Directory, directoryVerifier, operatorSigners, ServiceSigner } from '@relay/directory';
import { Header, parseSubject } from '@relay/wire';

/** Who may have published what the dispatcher consumes, by the directory in force. */
export interface DispatcherVerifiers {
  /** Observations: the locator, or an operator (`relay reroute` re-sends a case's latest observation, decision 0063). */
  readonly hosting: VerifyMessage;
  /**
   * Statuses: the hotline (or authority, or operator) whose subject the status is on; for a
   * hotline of the directory also the gateway, on its behalf, when the signed `Relay-Origin`
   * names that hotline (`POST /v1/status`, decision 0130).
   */
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
      (subject, headers) => {
        const parsed = parseSubject(subject);
        const sender = parsed.kind === 'status' ? parsed.hotline : '';
        return gatewayMaySignFor(current(), sender, headers) ? [sender, ServiceSigner.Gateway] : sender;
      },
      Date.now,
      strict,
    ),
  };
}

/**
 * Whether the gateway may have signed a status on `relay.status.<sender>`: only for a hotline
 * of the directory (never an authority or operator subject), and only when `Relay-Origin`,
 * which the signature covers, names that same hotline: the gateway sets it to the hotline of
 * the API key it authenticated, so its signature proves on whose behalf it published.
 */
function gatewayMaySignFor(directory: Directory | undefined, sender: string, headers: Readonly<Record<string, string>>): boolean {
  return sender !== '' && directory?.hotline(sender) !== undefined && headerValue(headers, Header.Origin) === sender;
}
