/** nats-server is not installed where the testkit looks for it. */
export class NatsServerMissingError extends Error {
  override name = 'NatsServerMissingError';
  readonly code = 'nats-server-missing';
  readonly retryable = false;

  constructor(path: string) {
    super(
      `nats-server not found at ${path}. Install it with "apt-get install -y nats-server" ` +
        '(Debian 2.9.x), or set NATS_SERVER_BIN to its path.',
    );
  }
}

/** True when `err` is a {@link NatsServerMissingError}. */
export function isNatsServerMissingError(err: unknown): err is NatsServerMissingError {
  return err instanceof NatsServerMissingError;
}

/** A nats-server process did not become ready, or exited early. */
export class NatsServerStartError extends Error {
  override name = 'NatsServerStartError';
  readonly code = 'nats-server-start-failed';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True when `err` is a {@link NatsServerStartError}. */
export function isNatsServerStartError(err: unknown): err is NatsServerStartError {
  return err instanceof NatsServerStartError;
}
