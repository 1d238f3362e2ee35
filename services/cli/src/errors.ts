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
  /** The verb did part of its work; the output lists what is left (run it again later). */
  Incomplete: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable codes of CLI errors. */
export const CliErrorCode = { Usage: 'cli-usage', Unavailable: 'cli-unavailable', Incomplete: 'cli-incomplete', File: 'cli-file' } as const;
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

/** A file named on the command line cannot be read or written (an output file, a key file). */
export class FileUnusableError extends RelayError {
  override name = 'FileUnusableError';

  constructor(path: string, problem: string, cause?: unknown) {
    super(CliErrorCode.File, `${path}: ${problem}`, { cause });
  }
}

/** True when `err` is a {@link FileUnusableError}. */
export function isFileUnusableError(err: unknown): err is FileUnusableError {
  return err instanceof FileUnusableError;
}

/** The verb acted on part of what was asked; what is left was printed and can be retried. */
export class IncompleteError extends RelayError {
  override name = 'IncompleteError';

  constructor(message: string) {
    super(CliErrorCode.Incomplete, message, { retryable: true });
  }
}

/** True when `err` is an {@link IncompleteError}. */
export function isIncompleteError(err: unknown): err is IncompleteError {
  return err instanceof IncompleteError;
}

/** The one place errors become exit codes. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  if (isUsageError(err) || isInvalidUrlError(err) || isInvalidAddressError(err)) return ExitCode.Usage;
  if (isZoneFileError(err) || isGeoDataError(err) || isFileUnusableError(err)) return ExitCode.Data;
  if (isUnavailableError(err)) return ExitCode.Unavailable;
  if (isIncompleteError(err)) return ExitCode.Incomplete;
  return ExitCode.Failure;
}

/** The line printed for an error: its message, plus the stack only for unexpected ones. */
export function describeError(err: unknown): string {
  if (exitCodeFor(err) !== ExitCode.Failure) return err instanceof Error ? err.message : String(err);
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
