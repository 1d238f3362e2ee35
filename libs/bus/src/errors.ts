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

/** Client errors about the message or the request itself: the same request fails the same way again. */
const REFUSED_BY_CLIENT = new Set(['InvalidArgumentError', 'InvalidSubjectError', 'InvalidNameError', 'PermissionViolationError', 'AuthorizationError']);

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
 * Whether an error from any layer may pass on a retry: typed errors say so
 * themselves; a JetStream API error when the server answered 5xx (no leader,
 * insufficient resources); NATS timeouts, lost connections and "no
 * responders" (a leader election) are transient; everything else is not,
 * in particular a message the client or the stream refused (too large, an
 * invalid header, a failed `Nats-Expected-*` check, a permission).
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RelayError) return err.retryable;
  if (!(err instanceof Error)) return false;
  if (REFUSED_BY_CLIENT.has(err.name)) return false;
  const status = (err as { status?: unknown }).status;
  if (err.name.startsWith('JetStreamApiError') || (typeof status === 'number' && err.name.endsWith('NotFoundError'))) {
    return typeof status === 'number' && status >= 500;
  }
  const text = `${err.name} ${err.message}`.toLowerCase();
  return /timeout|timed out|no responders|503|connection|disconnect|closed|jetstream is not enabled|reconnect/.test(text);
}
