import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ConsoleRole, consoleUserOf, hashConsolePassword, tenantOfRole, writeConsoleUsers } from '@relay/accounts';
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

/** Where the dev console keeps its users and its tenants' signing keys. */
export interface DevConsoleFiles {
  readonly usersFile: string;
  readonly keysDir: string;
}

/**
 * Writes the dev console's users file once (the demo sign-ins, through the same
 * code as `relay console users add`, never by hand) and gives each demo hotline's
 * console connection the hotline's dev signing key, so its ICCAM buttons publish
 * statuses the dispatcher accepts (decision 0135). A hotline without a dev key
 * (eco) can look, but its statuses are refused.
 */
export async function prepareDevConsole(stateDir: string, dev: DevDirectory): Promise<DevConsoleFiles> {
  const usersFile = join(stateDir, 'console-users.json');
  const keysDir = join(stateDir, 'console-keys');
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  if (!existsSync(usersFile)) {
    const password = await hashConsolePassword(DEMO_CONSOLE_PASSWORD);
    const createdAt = new Date().toISOString();
    await writeConsoleUsers(usersFile, { version: 1, users: Object.entries(DEMO_CONSOLE_USERS).map(([name, role]) => ({ name, role, password, createdAt })) });
  }
  for (const [org, key] of Object.entries(dev.signingKeys)) {
    const target = join(keysDir, `${consoleUserOf(tenantOfRole({ kind: 'hotline', hotline: org }))}.signing.nk`);
    if (Object.values(DEMO_CONSOLE_USERS).some((r) => r.kind === 'hotline' && r.hotline === org) && !existsSync(target)) await copyFile(key.seedFile, target);
  }
  return { usersFile, keysDir };
}
