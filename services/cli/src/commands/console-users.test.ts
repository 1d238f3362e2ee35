import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConsoleUsers, verifyConsolePassword } from '@relay/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRelay } from '../../test/relay.js';

describe('relay console users', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-console-users-'));
    file = join(dir, 'users.json');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds a person bound to one role with a salted scrypt hash, in a file only its owner reads', async () => {
    const pw = join(dir, 'pw');
    await writeFile(pw, 'a long enough passphrase\n');
    const run = await runRelay(['console', 'users', 'add', 'anna', '--role', 'hotline:eokm', '--password-file', pw, '--file', file, '--json']);
    expect(run.code, run.err).toBe(0);
    expect(JSON.parse(run.out)).toEqual({ added: 'anna', role: 'hotline:eokm', tenant: 'hotline-eokm' });
    const users = await readConsoleUsers(file);
    const anna = users.users.find((u) => u.name === 'anna');
    expect(anna?.role).toEqual({ kind: 'hotline', hotline: 'eokm' });
    expect(await verifyConsolePassword(anna!.password, 'a long enough passphrase')).toBe(true);
    expect(await verifyConsolePassword(anna!.password, 'a long enough passphrasE')).toBe(false);
    expect(await readFile(file, 'utf8')).not.toContain('passphrase');
    expect((await stat(file)).mode & 0o077).toBe(0);
  });

  it('generates and prints a password when none is given, and gives two users different salts', async () => {
    const run = await runRelay(['console', 'users', 'add', 'nl-liaison', '--role', 'police:nl', '--file', file, '--json']);
    expect(run.code, run.err).toBe(0);
    const { password, tenant } = JSON.parse(run.out) as { password: string; tenant: string };
    expect(tenant).toBe('police-nl');
    const users = (await readConsoleUsers(file)).users;
    const liaison = users.find((u) => u.name === 'nl-liaison')!;
    expect(await verifyConsolePassword(liaison.password, password)).toBe(true);
    expect(liaison.password.salt).not.toBe(users.find((u) => u.name === 'anna')!.password.salt);
  });

  it('refuses a second user of the same name, an unknown role and a short password with a usage error', async () => {
    expect((await runRelay(['console', 'users', 'add', 'anna', '--role', 'operator', '--file', file])).code).toBe(2);
    const role = await runRelay(['console', 'users', 'add', 'bob', '--role', 'admin', '--file', file]);
    expect(role.code).toBe(2);
    expect(role.err).toMatch(/hotline:<id>, police:<CC>, authority:<CC> or operator/);
    const pw = join(dir, 'short');
    await writeFile(pw, 'short\n');
    expect((await runRelay(['console', 'users', 'add', 'bob', '--role', 'operator', '--password-file', pw, '--file', file])).code).toBe(2);
  });

  it('lists people and roles without hashes, changes a password, and removes a person', async () => {
    const list = await runRelay(['console', 'users', 'list', '--file', file, '--json']);
    expect(list.out).not.toMatch(/hash|salt/);
    expect((JSON.parse(list.out) as { users: { name: string; role: string }[] }).users.map((u) => `${u.name} ${u.role}`)).toEqual(['anna hotline:eokm', 'nl-liaison police:NL']);
    const before = (await readConsoleUsers(file)).users.find((u) => u.name === 'anna')!.password.hash;
    expect((await runRelay(['console', 'users', 'passwd', 'anna', '--file', file])).code).toBe(0);
    expect((await readConsoleUsers(file)).users.find((u) => u.name === 'anna')!.password.hash).not.toBe(before);
    expect((await runRelay(['console', 'users', 'remove', 'anna', '--file', file])).code).toBe(0);
    expect((await readConsoleUsers(file)).users.map((u) => u.name)).toEqual(['nl-liaison']);
    expect((await runRelay(['console', 'users', 'remove', 'anna', '--file', file])).code).toBe(2);
  });
});
