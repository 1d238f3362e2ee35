import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { type ConsoleUser, describeConsoleRole, readConsoleUsers } from '@relay/accounts';
import type { Logger } from '@relay/observability';

/** The users file as last read: its accounts by name, or why it cannot be used. */
export type UsersFileState =
  | { readonly ok: true; readonly users: ReadonlyMap<string, ConsoleUser> }
  | { readonly ok: false; readonly error: string };

/** The console's view of `RELAY_CONSOLE_USERS_FILE`, which the CLI rewrites while the console runs. */
export interface UsersFile {
  /**
   * The file now. It is parsed again only when its identity (device, inode, size, modification
   * and change times) differs from the last read, so every request may ask: `relay console users`
   * writes a new file and renames it over the old one, a new inode each time. The same state
   * object is returned while the file is unchanged.
   */
  read(): Promise<UsersFileState>;
}

/**
 * What a session keeps of its account: a digest of its role and password hash. A changed
 * password (`relay console users passwd`: a new salt) or role gives another one.
 */
export function accountFingerprint(user: ConsoleUser): string {
  const { password: p } = user;
  return createHash('sha256').update(JSON.stringify([describeConsoleRole(user.role), p.scheme, p.N, p.r, p.p, p.salt, p.hash])).digest('base64url');
}

/** The identity of the file at `path`, or `absent`. */
async function identityOf(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
}

/**
 * Reads `path` through its identity. A missing file has no users (as `readConsoleUsers` says); a
 * file that cannot be read or is not a valid users file (zod schema) is `ok: false` and logged
 * once per change: nobody may be signed in by it (fail closed).
 */
export function createUsersFile(path: string, logger: Logger): UsersFile {
  let last: { identity: string; state: UsersFileState } | undefined;
  let pending: Promise<UsersFileState> | undefined;
  const load = async (): Promise<UsersFileState> => {
    let identity: string;
    try {
      identity = await identityOf(path);
    } catch (err) {
      // An unreadable folder: not cached, tried again at the next request.
      logger.error({ err, file: path }, 'console users file cannot be read: every session ends and nobody can sign in');
      return { ok: false, error: (err as Error).message };
    }
    if (last?.identity === identity) return last.state;
    // Read after the stat: the content is never older than the identity it is cached under.
    let state: UsersFileState;
    try {
      const file = await readConsoleUsers(path);
      state = { ok: true, users: new Map(file.users.map((u) => [u.name, u])) };
      if (last !== undefined) logger.info({ file: path, users: file.users.length }, 'console users file changed: sessions of removed or changed users end');
    } catch (err) {
      logger.error({ err, file: path }, 'console users file is invalid: every session ends and nobody can sign in until it is repaired');
      state = { ok: false, error: (err as Error).message };
    }
    last = { identity, state };
    return state;
  };
  return {
    read: () => {
      // Concurrent requests share one stat (and one parse).
      pending ??= load().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}
