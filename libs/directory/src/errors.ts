import { RelayError } from '@relay/wire';

/** Stable codes of directory errors. */
export const DirectoryErrorCode = {
  Invalid: 'directory-invalid',
  Unreadable: 'directory-unreadable',
  NotLoaded: 'directory-not-loaded',
  Signature: 'directory-signature',
} as const;
export type DirectoryErrorCode = (typeof DirectoryErrorCode)[keyof typeof DirectoryErrorCode];

/** A directory that does not validate; `issues` name each problem and where it is. */
export class DirectoryInvalidError extends RelayError {
  override name = 'DirectoryInvalidError';
  readonly issues: readonly string[];

  constructor(where: string, issues: readonly string[]) {
    super(DirectoryErrorCode.Invalid, `${where}: invalid directory:\n  ${issues.join('\n  ')}`);
    this.issues = issues;
  }
}

/** True when `err` is a {@link DirectoryInvalidError}. */
export function isDirectoryInvalidError(err: unknown): err is DirectoryInvalidError {
  return err instanceof DirectoryInvalidError;
}

/** A directory file that cannot be read or is not JSON. */
export class DirectoryUnreadableError extends RelayError {
  override name = 'DirectoryUnreadableError';

  constructor(path: string, cause: unknown) {
    super(DirectoryErrorCode.Unreadable, `${path}: cannot read directory: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** True when `err` is a {@link DirectoryUnreadableError}. */
export function isDirectoryUnreadableError(err: unknown): err is DirectoryUnreadableError {
  return err instanceof DirectoryUnreadableError;
}

/** No directory is stored yet: routing must wait (retryable). */
export class DirectoryNotLoadedError extends RelayError {
  override name = 'DirectoryNotLoadedError';

  constructor() {
    super(DirectoryErrorCode.NotLoaded, 'no hotline directory is stored yet: apply one (relay directory apply) or set RELAY_DIRECTORY_FILE', {
      retryable: true,
    });
  }
}

/** True when `err` is a {@link DirectoryNotLoadedError}. */
export function isDirectoryNotLoadedError(err: unknown): err is DirectoryNotLoadedError {
  return err instanceof DirectoryNotLoadedError;
}

/** Why a directory or signer list was refused as unsigned or wrongly signed. */
export const DirectorySignatureProblem = {
  Unsigned: 'unsigned',
  WrongKey: 'wrong-key',
  BadSignature: 'bad-signature',
  Malformed: 'malformed',
  Rollback: 'rollback',
  NoSigners: 'no-signers',
} as const;
export type DirectorySignatureProblem = (typeof DirectorySignatureProblem)[keyof typeof DirectorySignatureProblem];

const problemText: Record<DirectorySignatureProblem, string> = {
  unsigned: 'not signed, but a directory key is pinned',
  'wrong-key': 'signed by a key that is not pinned (RELAY_DIRECTORY_KEY)',
  'bad-signature': 'signature does not match its content (tampered)',
  malformed: 'malformed signed form',
  rollback: 'signed before the revision in force (an old revision put back)',
  'no-signers': 'signed without any signers: no message could be verified against it (decision 0111)',
};

/** A directory or signer list that is unsigned under a pinned key, signed by another key, or tampered with. */
export class DirectorySignatureError extends RelayError {
  override name = 'DirectorySignatureError';
  readonly problem: DirectorySignatureProblem;

  constructor(where: string, problem: DirectorySignatureProblem) {
    super(DirectoryErrorCode.Signature, `${where}: refused: ${problemText[problem]}`);
    this.problem = problem;
  }
}

/** True when `err` is a {@link DirectorySignatureError}. */
export function isDirectorySignatureError(err: unknown): err is DirectorySignatureError {
  return err instanceof DirectorySignatureError;
}
