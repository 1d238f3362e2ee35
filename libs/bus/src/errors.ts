import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { RelayError } from '@relay/wire';

/** Stable codes of bus errors. */
export const BusErrorCode = {
  Config: 'config-invalid',
  Publish: 'publish-failed',
  Transient: 'transient',
  Poison: 'poison-message',
  Conflict: 'cas-conflict',
  Topology: 'topology-failed',
  LastSequence: 'last-sequence-mismatch',
} as const;
export type BusErrorCode = (typeof BusErrorCode)[keyof typeof BusErrorCode];

/** A setting is missing or malformed; the message names the variable. */
export class ConfigError extends RelayError {
  override name = 'ConfigError';
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(BusErrorCode.Config, `invalid configuration:\n  ${issues.join('\n  ')}`);
    this.issues = issues;
  }
}

/** True when `err` is a {@link ConfigError}. */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

/**
 * JetStream did not acknowledge a publish after every retry. Retryable when
 * its cause is (the broker was unavailable or slow); not when the message
 * itself was refused (too large, a header NATS cannot carry, a stream's
 * `Nats-Expected-*` check, a permission): sending it again cannot help.
 */
export class PublishError extends RelayError {
  override name = 'PublishError';

  constructor(subject: string, cause: unknown) {
    super(BusErrorCode.Publish, `publish to ${subject} not acknowledged: ${cause instanceof Error ? cause.message : String(cause)}`, {
      retryable: isRetryable(cause),
      cause,
    });
  }
}

/** True when `err` is a {@link PublishError}. */
export function isPublishError(err: unknown): err is PublishError {
  return err instanceof PublishError;
}

/** A failure that may pass: the consumer runner naks and retries with backoff. */
export class TransientError extends RelayError {
  override name = 'TransientError';

  constructor(message: string, cause?: unknown) {
    super(BusErrorCode.Transient, message, { retryable: true, cause });
  }
}

/** True when `err` is a {@link TransientError}. */
export function isTransientError(err: unknown): err is TransientError {
  return err instanceof TransientError;
}

/** A message that can never be processed: the runner sends it to the DLQ. */
export class PoisonMessageError extends RelayError {
  override name = 'PoisonMessageError';

  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { retryable: false, cause });
  }
}

/** True when `err` is a {@link PoisonMessageError}. */
export function isPoisonMessageError(err: unknown): err is PoisonMessageError {
  return err instanceof PoisonMessageError;
}

/** A compare-and-set lost to a concurrent writer more times than allowed. Retryable. */
export class ConflictError extends RelayError {
  override name = 'ConflictError';

  constructor(bucket: string, key: string, attempts: number) {
    super(BusErrorCode.Conflict, `${bucket}/${key}: still conflicting after ${attempts} compare-and-set attempts`, { retryable: true });
  }
}

/** True when `err` is a {@link ConflictError}. */
export function isConflictError(err: unknown): err is ConflictError {
  return err instanceof ConflictError;
}

/**
 * A publish that expected the stream's last sequence to be one value found
 * another (`Nats-Expected-Last-Sequence`): another writer came first. Nothing
 * was stored; read the stream again and publish anew.
 */
export class LastSequenceMismatchError extends RelayError {
  override name = 'LastSequenceMismatchError';
  /** The last sequence the publish expected. */
  readonly expected: number;

  constructor(subject: string, expected: number, cause: unknown) {
    super(BusErrorCode.LastSequence, `publish to ${subject} refused: the stream's last sequence is no longer ${expected}`, { retryable: true, cause });
    this.expected = expected;
  }
}

/** True when `err` is a {@link LastSequenceMismatchError}. */
export function isLastSequenceMismatchError(err: unknown): err is LastSequenceMismatchError {
  return err instanceof LastSequenceMismatchError;
}

/**
 * Errors of the NATS client that say the broker was out of reach or slow, not
 * that the request was wrong: a timeout, no responders, a lost or closing
 * connection.
 */
const TRANSIENT_CLIENT_ERRORS = [TimeoutError, NoRespondersError, ConnectionError, ClosedConnectionError, DrainingConnectionError];

/**
 * Whether an error from any layer may pass on a retry, decided by type, never
 * by message text: typed relay errors say so themselves; a JetStream API
 * error when the server answered 5xx (no leader, insufficient resources); the
 * client's timeouts, lost connections and "no responders" (and a request
 * error caused by one). Everything else is not, in particular a message the
 * client or the stream refused (too large, an invalid header or subject, a
 * failed `Nats-Expected-*` check, a permission).
 */
export function isRetryable(err: unknown): boolean {
  return retryableAt(err, 0);
}

function retryableAt(err: unknown, depth: number): boolean {
  if (err instanceof RelayError) return err.retryable;
  if (err instanceof JetStreamApiError) return err.status >= 500;
  if (TRANSIENT_CLIENT_ERRORS.some((kind) => err instanceof kind)) return true;
  if (err instanceof RequestError && err.isNoResponders()) return true;
  // The client wraps what happened: on 2.9 a JetStream leader election answers a publish with
  // "no responders", reported as JetStreamNotEnabled whose cause is that RequestError.
  return err instanceof Error && err.cause !== undefined && depth < 5 && retryableAt(err.cause, depth + 1);
}

/** The JetStream API answered that the stream or consumer does not exist. */
export function isNotFoundError(err: unknown): boolean {
  return err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound);
}

/**
 * JetStream API error codes that mean the store has no room: the server's or
 * account's storage limit is reached (`insufficient resources`, as 2.9.10
 * answers a publish into a full store), or a stream's reservation cannot be met.
 */
const STORE_FULL_CODES: readonly number[] = [10023, 10047];

/** The server refused a write because its store is full: nothing was stored, and a retry passes once space returns. */
export function isStoreFullError(err: unknown): boolean {
  let e = err;
  // Our errors wrap the client's (PublishError's cause); a few levels are enough, and a cycle ends.
  for (let depth = 0; depth < 5 && e instanceof Error; depth++, e = e.cause) {
    if (e instanceof JetStreamApiError) return STORE_FULL_CODES.includes(e.code);
  }
  return false;
}

/** A write with an expected last sequence (KV create or update with a revision) found another: someone wrote first. */
export function isWrongLastSequenceError(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
