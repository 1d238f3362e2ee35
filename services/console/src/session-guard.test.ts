import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConsoleUser, hashConsolePassword, readConsoleUsers, updateConsoleUser, writeConsoleUsers } from '@relay/accounts';
import { createLogger } from '@relay/observability';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeUsers } from '../test/console.js';
import { createSessionGuard, type EndedSession } from './session-guard.js';
import { createSessionStore, type Session, type SessionStore } from './sessions.js';
import { accountFingerprint, createUsersFile, type UsersFile } from './users-file.js';

describe('the session guard', () => {
  let dir: string;
  let file: string;
  let users: UsersFile;
  let sessions: SessionStore;
  let ended: EndedSession[];
  let guard: ReturnType<typeof createSessionGuard>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-console-guard-'));
    file = join(dir, 'users.json');
    await writeUsers(file, { anna: { kind: 'hotline', hotline: 'eokm' }, bert: { kind: 'police', country: 'NL' } });
    users = createUsersFile(file, createLogger('console', 'silent'));
    sessions = createSessionStore(3_600_000);
    ended = [];
    guard = createSessionGuard({ users, sessions, logger: createLogger('console', 'silent'), onEnded: (e) => ended.push(e) });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A session as sign-in makes it, from the file as it is now. */
  const signIn = async (name: string): Promise<Session> => {
    const state = await users.read();
    const account = state.ok ? state.users.get(name) : undefined;
    if (account === undefined) throw new Error(`no ${name}`);
    return sessions.create({ user: name, role: account.role, tenant: 'test', account: accountFingerprint(account), address: '127.0.0.1' });
  };
  const change = async (name: string, edit?: (u: ConsoleUser) => ConsoleUser): Promise<void> => {
    await writeConsoleUsers(file, updateConsoleUser(await readConsoleUsers(file), name, edit));
  };

  it("ends a removed user's sessions and tells their listeners, leaving the others", async () => {
    const anna = await signIn('anna');
    const bert = await signIn('bert');
    const heard: string[] = [];
    sessions.onEnd(anna.id, (reason) => heard.push(reason));
    expect(await guard.session(anna.id)).toBeDefined();
    await change('anna');
    expect(await guard.session(bert.id)).toBeDefined();
    expect(heard).toEqual(['removed from the users file']);
    expect(await guard.session(anna.id)).toBeUndefined();
    expect(ended.map((e) => [e.session.user, e.reason])).toEqual([['anna', 'removed from the users file']]);
  });

  it('tells a new password from a new role', async () => {
    const anna = await signIn('anna');
    const bert = await signIn('bert');
    const password = await hashConsolePassword('another long password');
    await change('anna', (u) => ({ ...u, password }));
    await change('bert', (u) => ({ ...u, role: { kind: 'police', country: 'DE' } }));
    await guard.sweep();
    expect(ended.map((e) => [e.session.user, e.reason])).toEqual([
      ['anna', 'password changed'],
      ['bert', 'role changed'],
    ]);
    expect(sessions.get(anna.id)).toBeUndefined();
    expect(sessions.get(bert.id)).toBeUndefined();
  });

  it('refuses a session made from the file as it was before a change it missed', async () => {
    const state = await users.read();
    await change('anna');
    // Another request sees the change and sweeps; then the slow sign-in makes its session.
    await guard.sweep();
    const account = state.ok ? state.users.get('anna') : undefined;
    const late = sessions.create({ user: 'anna', role: { kind: 'hotline', hotline: 'eokm' }, tenant: 'test', account: account ? accountFingerprint(account) : '', address: '127.0.0.1' });
    expect(await guard.session(late.id)).toBeUndefined();
  });

  it('ends every session on a corrupt file (fail closed), and lets people in again once repaired', async () => {
    const anna = await signIn('anna');
    await writeFile(file, 'not json at all');
    expect(await users.read()).toMatchObject({ ok: false });
    expect(await guard.session(anna.id)).toBeUndefined();
    expect(ended.map((e) => e.reason)).toEqual(['the users file is invalid']);
    await writeUsers(file, { anna: { kind: 'hotline', hotline: 'eokm' } });
    const again = await signIn('anna');
    expect(await guard.session(again.id)).toBeDefined();
  });
});
