import { type Problem, RelayError } from '@relay/wire';

/**
 * The relay refused a report. `retryable` is true for 429 and 5xx: send the
 * same report again later (resubmission is idempotent). For 4xx the report
 * itself must change; `problem` says which field and why.
 */
export class SubmitRefusedError extends RelayError {
  override name = 'SubmitRefusedError';
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(
      'submit-refused',
      `report refused (${problem.status}${problem.title ? ` ${problem.title}` : ''})${problem.detail ? `: ${problem.detail}` : ''}`,
      { retryable: problem.status === 429 || problem.status >= 500 },
    );
    this.status = problem.status;
    this.problem = problem;
  }
}

/** True when `err` is a {@link SubmitRefusedError}. */
export function isSubmitRefusedError(err: unknown): err is SubmitRefusedError {
  return err instanceof SubmitRefusedError;
}

/** The tenant's consumer is missing and this client may not create it. */
export class ConsumerMissingError extends RelayError {
  override name = 'ConsumerMissingError';

  constructor(durable: string, cause: unknown) {
    super(
      'consumer-missing',
      `consumer ${durable} is not available to this client; the relay operator creates tenant consumers ` +
        '(or pass createConsumer: true against a development server)',
      { cause },
    );
  }
}

/** True when `err` is a {@link ConsumerMissingError}. */
export function isConsumerMissingError(err: unknown): err is ConsumerMissingError {
  return err instanceof ConsumerMissingError;
}

/**
 * No signer list to verify referrals and notices with: the relay exports none
 * (or it cannot be read) and none was given. The client fails closed; pass
 * `provenance: { verify: false }` only against a development server.
 */
export class SignersUnavailableError extends RelayError {
  override name = 'SignersUnavailableError';

  constructor(cause?: unknown) {
    super('signers-unavailable', 'no signer list to verify referrals and notices with; the client refuses to read them unverified', cause === undefined ? {} : { cause });
  }
}

/** True when `err` is a {@link SignersUnavailableError}. */
export function isSignersUnavailableError(err: unknown): err is SignersUnavailableError {
  return err instanceof SignersUnavailableError;
}

/**
 * A hotline or police client was built without the operator's public
 * directory key (`provenance.directoryKey`), or with one that is not a public
 * operator nkey. Without it the client would trust whatever signer list the
 * broker serves, so it refuses to be built (fail closed, decision 0111).
 */
export class DirectoryKeyRequiredError extends RelayError {
  override name = 'DirectoryKeyRequiredError';

  constructor(detail: string) {
    super(
      'directory-key-required',
      `${detail}: pass provenance.directoryKey, the relay operator's public directory key (O...; several while they rotate it), ` +
        'or provenance.signers (a list handed over with the credentials), or provenance.verify: false against a development server',
    );
  }
}

/** True when `err` is a {@link DirectoryKeyRequiredError}. */
export function isDirectoryKeyRequiredError(err: unknown): err is DirectoryKeyRequiredError {
  return err instanceof DirectoryKeyRequiredError;
}
