import { CommanderError } from 'commander';
import { isGeoDataError, isInvalidAddressError, isInvalidUrlError, isZoneFileError } from '@relay/geo';
import { RelayError } from '@relay/wire';

/**
 * Exit codes of `relay`, the same for every verb, so scripts can tell a typo
 * from a missing file from an unreachable server.
 */
export const ExitCode = {
  Ok: 0,
  /** Anything unexpected (a bug): the message says what. */
  Failure: 1,
  /** Unknown verb or option, missing or invalid argument (a URL that is not one). */
  Usage: 2,
  /** A file named on the command line or in the environment cannot be used (zone file, geo database). */
  Data: 3,
  /** A server the verb needs (NATS) cannot be reached. */
  Unavailable: 4,
  /** The verb ran and found problems (`relay audit`: reports not accounted for, duplicates). */
  Findings: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable codes of CLI errors. */
export const CliErrorCode = { Usage: 'cli-usage', Unavailable: 'cli-unavailable', Findings: 'cli-findings' } as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** The user asked for something the verb cannot do as written. */
export class UsageError extends RelayError {
  override name = 'UsageError';

  constructor(message: string, cause?: unknown) {
    super(CliErrorCode.Usage, message, { cause });
  }
}

/** True when `err` is a {@link UsageError}. */
export function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError;
}

/** A server the verb needs did not answer. */
export class UnavailableError extends RelayError {
  override name = 'UnavailableError';

  constructor(message: string, cause?: unknown) {
    super(CliErrorCode.Unavailable, message, { retryable: true, cause });
  }
}

/** True when `err` is an {@link UnavailableError}. */
export function isUnavailableError(err: unknown): err is UnavailableError {
  return err instanceof UnavailableError;
}

/** A check ran to the end and found problems; its output says which. */
export class FindingsError extends RelayError {
  override name = 'FindingsError';

  constructor(message: string) {
    super(CliErrorCode.Findings, message);
  }
}

/** True when `err` is a {@link FindingsError}. */
export function isFindingsError(err: unknown): err is FindingsError {
  return err instanceof FindingsError;
}

/** The one place errors become exit codes. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  if (isUsageError(err) || isInvalidUrlError(err) || isInvalidAddressError(err)) return ExitCode.Usage;
  if (isZoneFileError(err) || isGeoDataError(err)) return ExitCode.Data;
  if (isUnavailableError(err)) return ExitCode.Unavailable;
  if (isFindingsError(err)) return ExitCode.Findings;
  return ExitCode.Failure;
}

/** The line printed for an error: its message, plus the stack only for unexpected ones. */
export function describeError(err: unknown): string {
  if (exitCodeFor(err) !== ExitCode.Failure) return err instanceof Error ? err.message : String(err);
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
