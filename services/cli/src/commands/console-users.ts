import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  type ConsoleUsersFile,
  describeConsoleRole,
  hashConsolePassword,
  isConsoleUsersError,
  parseConsoleRole,
  readConsoleUsers,
  tenantOfRole,
  updateConsoleUser,
  withConsoleUser,
  writeConsoleUsers,
} from '@relay/accounts';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { FileError, UsageError } from '../errors.js';
import { outputMode, printJson } from '../output.js';

/** Where the users file is when neither `--file` nor `RELAY_CONSOLE_USERS_FILE` says: beside the dev stack's state. */
export const DEFAULT_CONSOLE_USERS_FILE = '.relay/console-users.json';

interface FileOptions {
  readonly file?: string;
  readonly json?: boolean;
}

interface PasswordOptions extends FileOptions {
  readonly passwordFile?: string;
}

function usersFile(ctx: CliContext, options: FileOptions): string {
  return options.file ?? ctx.env['RELAY_CONSOLE_USERS_FILE'] ?? DEFAULT_CONSOLE_USERS_FILE;
}

/** Runs `work`, turning the users file's typed errors into usage or file errors (exit 2 / 4). */
async function changing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isConsoleUsersError(err)) throw err.code === 'console-users-invalid' ? new FileError(err.message, err) : new UsageError(err.message, err);
    throw err;
  }
}

/** The password from `--password-file` (its first line), or a new random one that is printed once. */
async function passwordOf(options: PasswordOptions): Promise<{ password: string; generated: boolean }> {
  if (options.passwordFile === undefined) return { password: randomBytes(18).toString('base64url'), generated: true };
  let text: string;
  try {
    text = await readFile(options.passwordFile, 'utf8');
  } catch (err) {
    throw new FileError(`cannot read ${options.passwordFile}`, err);
  }
  return { password: text.split(/\r?\n/)[0] ?? '', generated: false };
}

async function change(ctx: CliContext, options: FileOptions, edit: (file: ConsoleUsersFile) => Promise<ConsoleUsersFile>): Promise<void> {
  const path = usersFile(ctx, options);
  await changing(async () => writeConsoleUsers(path, await edit(await readConsoleUsers(path))));
}

/**
 * `relay console users add|list|remove|passwd`: the people who may sign in to
 * the console, each bound to one role, kept in the users file the console
 * reads (scrypt hashes with a salt each; never edited by hand). The running
 * console notices each write: a removed person's or an old password's
 * sessions end (decision 0148). A password is
 * read from `--password-file` (`/dev/stdin` to pipe it) or generated and
 * printed once.
 */
export function registerConsoleUsers(program: Command, ctx: CliContext): void {
  const consoleCmd = program.command('console').description('the web console: who may sign in');
  const users = consoleCmd.command('users').description('console accounts, each bound to one role (hotline:<id>, police:<CC>, authority:<CC>, operator)');
  const fileOption = (c: Command): Command =>
    c.option('--file <path>', `the users file (default: RELAY_CONSOLE_USERS_FILE, else ${DEFAULT_CONSOLE_USERS_FILE})`).option('--json', 'print JSON');

  fileOption(
    users
      .command('add <name>')
      .description('add a person: a name, one role, a password')
      .requiredOption('--role <role>', 'hotline:<id>, police:<CC>, authority:<CC> or operator')
      .option('--password-file <file>', 'read the password from the first line of this file (/dev/stdin to pipe it); else one is generated and printed'),
  ).action(async (name: string, options: PasswordOptions & { role: string }) => {
    const role = await changing(() => Promise.resolve(parseConsoleRole(options.role)));
    const { password, generated } = await passwordOf(options);
    const hashed = await changing(() => hashConsolePassword(password));
    await change(ctx, options, (file) => Promise.resolve(withConsoleUser(file, { name, role, password: hashed, createdAt: new Date().toISOString() })));
    const result = { added: name, role: describeConsoleRole(role), tenant: tenantOfRole(role), ...(generated ? { password } : {}) };
    if (outputMode(options) === 'json') printJson(ctx, result);
    else ctx.out(`added ${name} (${result.role})${generated ? `\npassword: ${password}\n(shown once: hand it over, then clear your terminal)` : ''}\n`);
  });

  fileOption(users.command('list').description('who may sign in, with their roles (never a hash)')).action(async (options: FileOptions) => {
    const file = await changing(() => readConsoleUsers(usersFile(ctx, options)));
    const rows = file.users.map((u) => ({ name: u.name, role: describeConsoleRole(u.role), tenant: tenantOfRole(u.role), createdAt: u.createdAt }));
    if (outputMode(options) === 'json') printJson(ctx, { users: rows });
    else ctx.out(rows.length === 0 ? 'no console users\n' : rows.map((r) => `${r.name}\t${r.role}\t${r.createdAt}\n`).join(''));
  });

  fileOption(users.command('remove <name>').description('remove a person: they can no longer sign in, and a running console ends their open sessions')).action(async (name: string, options: FileOptions) => {
    await change(ctx, options, (file) => Promise.resolve(updateConsoleUser(file, name)));
    if (outputMode(options) === 'json') printJson(ctx, { removed: name });
    else ctx.out(`removed ${name}\n`);
  });

  fileOption(
    users
      .command('passwd <name>')
      .description("set a person's password (a running console ends the sessions signed in with the old one)")
      .option('--password-file <file>', 'read the password from the first line of this file (/dev/stdin to pipe it); else one is generated and printed'),
  ).action(async (name: string, options: PasswordOptions) => {
    const { password, generated } = await passwordOf(options);
    const hashed = await changing(() => hashConsolePassword(password));
    await change(ctx, options, (file) => Promise.resolve(updateConsoleUser(file, name, (u) => ({ ...u, password: hashed }))));
    if (outputMode(options) === 'json') printJson(ctx, { changed: name, ...(generated ? { password } : {}) });
    else ctx.out(`password of ${name} changed${generated ? `\npassword: ${password}` : ''}\n`);
  });
}
