/** Stable codes of why a webhook was not delivered (in `Relay-Error` of a DLQ entry). */
export const DeliveryErrorCode = {
  /** The endpoint's resolved address is one the courier may not connect to (SSRF rules, decision 0126). */
  AddressRefused: 'webhook-address-refused',
  /** The URL's scheme is not allowed for this endpoint (http outside loopback). */
  SchemeRefused: 'webhook-scheme-refused',
  /** No TCP/TLS connection within the connect timeout. */
  ConnectTimeout: 'webhook-connect-timeout',
  /** No complete answer within the total timeout. */
  Timeout: 'webhook-timeout',
  /** The connection failed (refused, reset, DNS, TLS). */
  Network: 'webhook-network',
  /** The endpoint answered, but not with a 2xx. */
  Status: 'webhook-status',
  /** The message could not be turned into a request (a header NATS allows but HTTP does not). */
  Unsendable: 'webhook-unsendable',
  /** The endpoint's secret or client certificate cannot be read. */
  Secret: 'webhook-secret',
} as const;
export type DeliveryErrorCode = (typeof DeliveryErrorCode)[keyof typeof DeliveryErrorCode];

/** A webhook POST that did not end in a 2xx. `status` is the endpoint's answer when it gave one; never its body. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly code: DeliveryErrorCode;
  readonly status: number | undefined;
  /** False when no retry can help without a change of the directory or the secrets (still retried up to the max age). */
  readonly retryable: boolean;

  constructor(code: DeliveryErrorCode, message: string, options: { status?: number; retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? true;
  }
}

/** True for a {@link DeliveryError}. */
export function isDeliveryError(err: unknown): err is DeliveryError {
  return err instanceof DeliveryError;
}
