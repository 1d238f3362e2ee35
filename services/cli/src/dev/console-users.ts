import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ConsoleRole, consoleUserOf, hashConsolePassword, readConsoleUsers, tenantOfRole, writeConsoleUsers } from '@relay/accounts';
import { FileError } from '../errors.js';
import type { DevDirectory } from './directory-key.js';

/** The demo console password of every demo sign-in (public, like the demo API keys: dev stack only). */
export const DEMO_CONSOLE_PASSWORD = 'relay-demo-console';

/** The demo sign-ins of the dev stack's console, one per kind of person. */
export const DEMO_CONSOLE_USERS: Readonly<Record<string, ConsoleRole>> = {
  'police-nl': { kind: 'police', country: 'NL' },
  'police-de': { kind: 'police', country: 'DE' },
  eokm: { kind: 'hotline', hotline: 'eokm' },
  eco: { kind: 'hotline', hotline: 'eco' },
  operator: { kind: 'operator' },
};

/** The dev console's users file and the hotlines that have a sign-in in it. */
export interface DevConsoleUsers {
  readonly usersFile: string;
  /** Each needs a dev signing key: its analysts' ICCAM buttons publish its signed statuses. */
  readonly hotlines: readonly string[];
}

/** Where the dev console keeps its users and its tenants' signing keys. */
export interface DevConsoleFiles {
  readonly usersFile: string;
  readonly keysDir: string;
}

/**
 * Writes the dev console's users file once (the demo sign-ins, through the same
 * code as `relay console users add`, never by hand) and reads which hotlines
 * have a sign-in in it: the demo's eokm and eco, and any added with
 * `relay console users add <name> --role hotline:<id>` before this start.
 * @throws FileError when the users file is not valid (repair it, or delete it for the demo sign-ins).
 */
export async function prepareDevConsoleUsers(stateDir: string): Promise<DevConsoleUsers> {
  const usersFile = join(stateDir, 'console-users.json');
  if (!existsSync(usersFile)) {
    const password = await hashConsolePassword(DEMO_CONSOLE_PASSWORD);
    const createdAt = new Date().toISOString();
    await writeConsoleUsers(usersFile, { version: 1, users: Object.entries(DEMO_CONSOLE_USERS).map(([name, role]) => ({ name, role, password, createdAt })) });
  }
  try {
    const { users } = await readConsoleUsers(usersFile);
    const hotlines = users.flatMap((u) => (u.role.kind === 'hotline' ? [u.role.hotline] : []));
    return { usersFile, hotlines: [...new Set(hotlines)] };
  } catch (err) {
    throw new FileError(`${usersFile} is not a console users file (${(err as Error).message}): repair it, or delete it to get the demo sign-ins back`, err);
  }
}

/**
 * Gives each hotline with a console sign-in the hotline's dev signing key as its console
 * connection's signing key (`console-hotline-<id>.signing.nk`, as the console's tenants.ts
 * reads it), so its ICCAM buttons publish statuses the dispatcher accepts (decision 0135).
 * Copied at every start: a dev key made again replaces the console's copy.
 */
export async function prepareDevConsole(stateDir: string, dev: DevDirectory, users: DevConsoleUsers): Promise<DevConsoleFiles> {
  const keysDir = join(stateDir, 'console-keys');
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  for (const hotline of users.hotlines) {
    const key = dev.signingKeys[hotline];
    if (key === undefined) continue;
    await copyFile(key.seedFile, join(keysDir, `${consoleUserOf(tenantOfRole({ kind: 'hotline', hotline }))}.signing.nk`));
  }
  return { usersFile: users.usersFile, keysDir };
}
