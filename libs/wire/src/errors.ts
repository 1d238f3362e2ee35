/**
 * Stable error codes of the wire contract. They travel in the `Relay-Error`
 * header of DLQ entries, so other systems may match on them.
 */
export const WireErrorCode = {
  InvalidSubjectToken: 'invalid-subject-token',
  InvalidSubject: 'invalid-subject',
  UnknownMessageType: 'unknown-message-type',
  DecodeFailed: 'decode-failed',
} as const;
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

/**
 * Base of every typed error in Hotline Relay: a stable `code`, whether a retry
 * may succeed, and the original error as `cause`.
 */
export class RelayError extends Error {
  override name = 'RelayError';
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** True for any typed Hotline Relay error. */
export function isRelayError(err: unknown): err is RelayError {
  return err instanceof RelayError;
}

/** A subject token (source, hotline, country, ...) that would be unsafe in a NATS subject. */
export class InvalidSubjectTokenError extends RelayError {
  override name = 'InvalidSubjectTokenError';
  readonly token: string;
  readonly role: string;

  constructor(role: string, token: string, rule: string) {
    super(WireErrorCode.InvalidSubjectToken, `invalid ${role} ${JSON.stringify(token.slice(0, 80))}: ${rule}`);
    this.token = token;
    this.role = role;
  }
}

/** True when `err` is an {@link InvalidSubjectTokenError}. */
export function isInvalidSubjectTokenError(err: unknown): err is InvalidSubjectTokenError {
  return err instanceof InvalidSubjectTokenError;
}

/** A subject that does not match any subject of the contract. */
export class InvalidSubjectError extends RelayError {
  override name = 'InvalidSubjectError';

  constructor(subject: string, reason: string, cause?: unknown) {
    super(WireErrorCode.InvalidSubject, `subject ${JSON.stringify(subject.slice(0, 200))} ${reason}`, { cause });
  }
}

/** True when `err` is an {@link InvalidSubjectError}. */
export function isInvalidSubjectError(err: unknown): err is InvalidSubjectError {
  return err instanceof InvalidSubjectError;
}

/** A `Relay-Type` that names no relay.v1 message. */
export class UnknownMessageTypeError extends RelayError {
  override name = 'UnknownMessageTypeError';

  constructor(typeName: string) {
    super(WireErrorCode.UnknownMessageType, `unknown message type ${JSON.stringify(typeName.slice(0, 120))}`);
  }
}

/** True when `err` is an {@link UnknownMessageTypeError}. */
export function isUnknownMessageTypeError(err: unknown): err is UnknownMessageTypeError {
  return err instanceof UnknownMessageTypeError;
}

/** Bytes that are not a valid encoding of the expected message. Never retryable. */
export class DecodeError extends RelayError {
  override name = 'DecodeError';

  constructor(typeName: string, cause: unknown) {
    super(WireErrorCode.DecodeFailed, `cannot decode ${typeName}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** True when `err` is a {@link DecodeError}. */
export function isDecodeError(err: unknown): err is DecodeError {
  return err instanceof DecodeError;
}
