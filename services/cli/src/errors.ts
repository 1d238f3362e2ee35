import { CommanderError } from 'commander';
import { AuditReasonMissingError, isConfigError } from '@relay/bus';
import { isSubmitRefusedError } from '@relay/client';
import { isDirectoryInvalidError, isDirectoryNotLoadedError, isDirectorySignatureError, isDirectoryUnreadableError } from '@relay/directory';
import { isGeoDataError, isInvalidAddressError, isInvalidUrlError, isZoneFileError } from '@relay/geo';
import { isInvalidSubjectTokenError, RelayError } from '@relay/wire';

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
  /**
   * A file named on the command line or in the environment cannot be used (zone file, geo database),
   * including a report the relay refused and a directory that does not validate.
   */
  Data: 3,
  /** A server the verb needs (NATS, a service of the dev stack) cannot be reached or stopped; or "retry later". */
  Unavailable: 4,
  /** The verb did part of its work; the output lists what is left (run it again later). */
  Incomplete: 5,
  /** The verb ran and found problems (`relay audit`: reports not accounted for, duplicates). */
  Findings: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable codes of CLI errors. */
export const CliErrorCode = {
  Usage: 'cli-usage',
  Unavailable: 'cli-unavailable',
  Incomplete: 'cli-incomplete',
  File: 'cli-file',
  Findings: 'cli-findings',
} as const;
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

/** A file named on the command line (a report, a zone, an output folder) cannot be used as it is. */
export class FileError extends RelayError {
  override name = 'FileError';

  constructor(message: string, cause?: unknown) {
    super(CliErrorCode.File, message, { cause });
  }
}

/** True when `err` is a {@link FileError}. */
export function isFileError(err: unknown): err is FileError {
  return err instanceof FileError;
}

/** A refused report: to retry later (429, 5xx), a key not accepted (401, 403), or the report itself (4xx). */
function refusalExitCode(err: { readonly retryable: boolean; readonly status: number }): ExitCode {
  if (err.retryable) return ExitCode.Unavailable;
  return err.status === 401 || err.status === 403 ? ExitCode.Usage : ExitCode.Data;
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
  if (isInvalidSubjectTokenError(err) || isConfigError(err) || err instanceof AuditReasonMissingError) return ExitCode.Usage;
  if (isZoneFileError(err) || isGeoDataError(err)) return ExitCode.Data;
  if (isFileError(err) || isDirectoryInvalidError(err) || isDirectorySignatureError(err) || isDirectoryUnreadableError(err) || isDirectoryNotLoadedError(err)) return ExitCode.Data;
  if (isSubmitRefusedError(err)) return refusalExitCode(err);
  if (isUnavailableError(err)) return ExitCode.Unavailable;
  if (isIncompleteError(err)) return ExitCode.Incomplete;
  if (isFindingsError(err)) return ExitCode.Findings;
  return ExitCode.Failure;
}

/** The line printed for an error: its message, plus the stack only for unexpected ones. */
export function describeError(err: unknown): string {
  if (exitCodeFor(err) !== ExitCode.Failure) return err instanceof Error ? err.message : String(err);
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
