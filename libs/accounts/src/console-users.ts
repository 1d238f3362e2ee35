import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { countryToken, idToken, isCountryCode, isIdToken, RelayError } from '@relay/wire';
import { z } from 'zod';

/**
 * What a console person acts for: one hotline (analyst), one country's police
 * liaison, one country's removal authority, or the relay's operators.
 */
export type ConsoleRole =
  | { readonly kind: 'hotline'; readonly hotline: string }
  | { readonly kind: 'police'; readonly country: string }
  | { readonly kind: 'authority'; readonly country: string }
  | { readonly kind: 'operator' };

/** scrypt settings of a stored password: N = 2^15 costs 32 MiB and ~0.1 s here (OWASP's minimum is 2^17 with r 8 for interactive sign-ins). */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keyLength: 32, maxmem: 64 * 1024 * 1024 } as const;

/** One console person: a name, the one role it is bound to, and its scrypt password hash with its own salt. */
export interface ConsoleUser {
  readonly name: string;
  readonly role: ConsoleRole;
  readonly password: { readonly scheme: 'scrypt'; readonly N: number; readonly r: number; readonly p: number; readonly salt: string; readonly hash: string };
  readonly createdAt: string;
}

/** The console's users file: written by `relay console users ...` only, read by the console. */
export interface ConsoleUsersFile {
  readonly version: 1;
  readonly users: readonly ConsoleUser[];
}

const roleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hotline'), hotline: z.string().refine(isIdToken, 'a hotline id') }),
  z.object({ kind: z.literal('police'), country: z.string().refine(isCountryCode, 'an ISO country code') }),
  z.object({ kind: z.literal('authority'), country: z.string().refine(isCountryCode, 'an ISO country code') }),
  z.object({ kind: z.literal('operator') }),
]);

const userSchema = z.object({
  name: z.string().refine(isIdToken, 'a user name of [a-z0-9-]'),
  role: roleSchema,
  password: z.object({
    scheme: z.literal('scrypt'),
    N: z.number().int().min(1024),
    r: z.number().int().min(1),
    p: z.number().int().min(1),
    salt: z.string().min(16),
    hash: z.string().min(32),
  }),
  createdAt: z.string(),
});

const fileSchema = z.object({ version: z.literal(1), users: z.array(userSchema) });

/** Stable codes of the console users' errors. */
export const ConsoleUsersErrorCode = {
  Invalid: 'console-users-invalid',
  Exists: 'console-user-exists',
  Unknown: 'console-user-unknown',
  WeakPassword: 'console-password-weak',
  BadRole: 'console-role-invalid',
} as const;

/** A users file, role or password the console cannot use; `code` says which. */
export class ConsoleUsersError extends RelayError {
  override name = 'ConsoleUsersError';
}

/** True when `err` is a {@link ConsoleUsersError}. */
export function isConsoleUsersError(err: unknown): err is ConsoleUsersError {
  return err instanceof ConsoleUsersError;
}

/**
 * Reads a role from its command-line form: `hotline:eokm`, `police:NL`, `authority:NL`, `operator`.
 * @throws ConsoleUsersError for anything else.
 */
export function parseConsoleRole(text: string): ConsoleRole {
  const [kind, value, ...rest] = text.split(':');
  try {
    if (rest.length === 0) {
      if (kind === 'operator' && value === undefined) return { kind: 'operator' };
      if (kind === 'hotline' && value !== undefined) return { kind: 'hotline', hotline: idToken('hotline', value) };
      if ((kind === 'police' || kind === 'authority') && value !== undefined) return { kind, country: countryToken(value.toUpperCase()) };
    }
  } catch (err) {
    throw new ConsoleUsersError(ConsoleUsersErrorCode.BadRole, `role ${JSON.stringify(text)}: ${(err as Error).message}`, { cause: err });
  }
  throw new ConsoleUsersError(ConsoleUsersErrorCode.BadRole, `role ${JSON.stringify(text)} must be hotline:<id>, police:<CC>, authority:<CC> or operator`);
}

/** The tenant a role acts for, as the relay names it: `hotline-eokm`, `police-nl`, `authority-nl`, `operator`. */
export function tenantOfRole(role: ConsoleRole): string {
  switch (role.kind) {
    case 'hotline':
      return `hotline-${role.hotline}`;
    case 'police':
      return `police-${role.country.toLowerCase()}`;
    case 'authority':
      return `authority-${role.country.toLowerCase()}`;
    case 'operator':
      return 'operator';
  }
}

/** The NATS user through which the console serves a tenant's people (decision 0135): `console-<tenant>`. */
export function consoleUserOf(tenant: string): string {
  return `console-${tenant}`;
}

/** The printed form of a role: `hotline:eokm`, `police:NL`, `operator`. */
export function describeConsoleRole(role: ConsoleRole): string {
  switch (role.kind) {
    case 'hotline':
      return `hotline:${role.hotline}`;
    case 'police':
    case 'authority':
      return `${role.kind}:${role.country}`;
    case 'operator':
      return 'operator';
  }
}

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, SCRYPT.keyLength, { N, r, p, maxmem: SCRYPT.maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Hashes a new password with scrypt and a fresh 16-byte salt.
 * @throws ConsoleUsersError when it is shorter than 12 characters.
 */
export async function hashConsolePassword(password: string): Promise<ConsoleUser['password']> {
  if ([...password].length < 12) throw new ConsoleUsersError(ConsoleUsersErrorCode.WeakPassword, 'a console password has at least 12 characters');
  const salt = randomBytes(16);
  const hash = await derive(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p);
  return { scheme: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

/** Whether `password` is the one stored, compared in constant time. */
export async function verifyConsolePassword(stored: ConsoleUser['password'], password: string): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const got = await derive(password, Buffer.from(stored.salt, 'base64'), stored.N, stored.r, stored.p);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/**
 * Reads the users file; a missing file is an empty one.
 * @throws ConsoleUsersError when it is not a valid users file.
 */
export async function readConsoleUsers(path: string): Promise<ConsoleUsersFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, users: [] };
    throw err;
  }
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConsoleUsersError(ConsoleUsersErrorCode.Invalid, `${path} is not a console users file: ${where}`);
  }
  return parsed.data;
}

/** Writes the users file atomically (mode 0600: it holds password hashes). */
export async function writeConsoleUsers(path: string, file: ConsoleUsersFile): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/**
 * The file with one more user.
 * @throws ConsoleUsersError when the name is taken or not a valid id.
 */
export function withConsoleUser(file: ConsoleUsersFile, user: ConsoleUser): ConsoleUsersFile {
  if (!isIdToken(user.name)) throw new ConsoleUsersError(ConsoleUsersErrorCode.Invalid, `user name ${JSON.stringify(user.name)} must be 1-64 characters of [a-z0-9-]`);
  if (file.users.some((u) => u.name === user.name)) throw new ConsoleUsersError(ConsoleUsersErrorCode.Exists, `console user ${user.name} exists (use passwd to change the password)`);
  return { version: 1, users: [...file.users, user] };
}

/**
 * The file with `name` changed by `change`, or removed when `change` is undefined.
 * @throws ConsoleUsersError when there is no such user.
 */
export function updateConsoleUser(file: ConsoleUsersFile, name: string, change?: (u: ConsoleUser) => ConsoleUser): ConsoleUsersFile {
  if (!file.users.some((u) => u.name === name)) throw new ConsoleUsersError(ConsoleUsersErrorCode.Unknown, `no console user ${name}`);
  const users = change === undefined ? file.users.filter((u) => u.name !== name) : file.users.map((u) => (u.name === name ? change(u) : u));
  return { version: 1, users };
}
