// Issue 20's leftover: `relay console users remove|passwd` (a separate process) ends the person's
// open sessions in a running console, live feed included (decision 0148). The real console
// process and the CLI's own command on the users file, a real nats-server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConsoleUsers, updateConsoleUser, writeConsoleUsers } from '@relay/accounts';
import { ExitCode, runCli } from '@relay/cli';
import { auditRecords, consoleAgent, startRelay, type TestRelay } from '@relay/testing';
import { type ServiceProcess, startService, waitFor } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a whole new password here';

/** One browser (@relay/testing's console agent) with its live feed. */
interface Person {
  fetch(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  signIn(user: string, password?: string): Promise<number>;
  /** Opens the live feed; `rest()` reads it until the server ends it and returns what came. */
  openFeed(): Promise<{ status: number; rest(): Promise<string> }>;
}

function person(base: string): Person {
  const agent = consoleAgent(base, { password: PASSWORD });
  return {
    fetch: (path, init) => agent.fetch(path, init),
    signIn: async (user, password) => {
      const res = await agent.signIn(user, password);
      await res.arrayBuffer();
      return res.status;
    },
    openFeed: async () => {
      // Long enough for the console's own check of the users file; a feed that never ends fails the test.
      const res = await agent.fetch('/api/events', { signal: AbortSignal.timeout(20_000) });
      return {
        status: res.status,
        rest: async () => {
          let text = '';
          for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) text += chunk;
          return text;
        },
      };
    },
  };
}

// Two sign-ins below fail on purpose; a third failure from this address would be backed off.
describe('console sessions follow the users file', () => {
  let relay: TestRelay;
  let console: ServiceProcess;
  let dir: string;
  let usersFile: string;
  let base: string;
  const cli = async (...args: string[]): Promise<string> => {
    let out = '';
    let err = '';
    const code = await runCli(['console', 'users', ...args, '--file', usersFile], { out: (t) => (out += t), err: (t) => (err += t), env: {} });
    expect(code, err).toBe(ExitCode.Ok);
    return out;
  };

  beforeAll(async () => {
    relay = await startRelay();
    dir = await mkdtemp(join(tmpdir(), 'relay-console-sessions-'));
    usersFile = join(dir, 'console-users.json');
    await writeFile(join(dir, 'password'), `${PASSWORD}\n`);
    await writeFile(join(dir, 'new-password'), `${NEW_PASSWORD}\n`);
    for (const [name, role] of [['anna', 'hotline:eokm'], ['bert', 'police:NL'], ['carla', 'hotline:eco'], ['dirk', 'police:DE']] as const) {
      await cli('add', name, '--role', role, '--password-file', join(dir, 'password'));
    }
    console = await startService('console', { natsUrl: relay.server.url, env: { RELAY_CONSOLE_USERS_FILE: usersFile } });
    base = `http://127.0.0.1:${console.httpPort ?? 0}`;
  }, 60_000);
  afterAll(async () => {
    await console?.stop();
    await relay?.dispose();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("ends a removed user's sessions: the next call is 401 and the live feed ends; others stay", async () => {
    const anna = person(base);
    const bert = person(base);
    expect(await anna.signIn('anna')).toBe(200);
    expect(await bert.signIn('bert')).toBe(200);
    const feed = await anna.openFeed();
    expect(feed.status).toBe(200);

    await cli('remove', 'anna');

    expect((await anna.fetch('/api/me')).status).toBe(401);
    const text = await feed.rest();
    expect(text).toContain('event: session-ended');
    expect(text).toContain('removed from the users file');
    expect((await bert.fetch('/api/me')).status).toBe(200);
    expect(await person(base).signIn('anna')).toBe(401);
    const ended = await waitFor(async () => (await auditRecords(relay.bus)).find((r) => r.action === 'console-session-ended' && r.details['person'] === 'anna'), { what: "the audit record of anna's ended session" });
    expect(ended).toMatchObject({ actor: 'console', reason: 'removed from the users file' });
  });

  it('ends the sessions of a user whose password changed, live feed first, with no request in between', async () => {
    const bert = person(base);
    expect(await bert.signIn('bert')).toBe(200);
    const feed = await bert.openFeed();
    expect(feed.status).toBe(200);

    await cli('passwd', 'bert', '--password-file', join(dir, 'new-password'));

    // Nobody asks the console anything: its own check of the file ends the feed.
    const text = await feed.rest();
    expect(text).toContain('password changed');
    expect((await bert.fetch('/api/me')).status).toBe(401);
    expect(await person(base).signIn('bert')).toBe(401);
    expect(await bert.signIn('bert', NEW_PASSWORD)).toBe(200);
    expect((await bert.fetch('/api/me')).status).toBe(200);
  });

  it('ends the sessions of a user whose role changed', async () => {
    const carla = person(base);
    expect(await carla.signIn('carla')).toBe(200);
    // No command changes a role; an operator would remove and add. The same file code as the CLI.
    const file = await readConsoleUsers(usersFile);
    await writeConsoleUsers(usersFile, updateConsoleUser(file, 'carla', (u) => ({ ...u, role: { kind: 'hotline', hotline: 'eokm' } })));
    expect((await carla.fetch('/api/me')).status).toBe(401);
    expect(await carla.signIn('carla')).toBe(200);
    expect(await (await carla.fetch('/api/me')).json()).toMatchObject({ tenant: 'hotline-eokm' });
  });

  it('fails closed on a corrupt users file: every session ends, nobody signs in, and it is logged', async () => {
    const dirk = person(base);
    expect(await dirk.signIn('dirk')).toBe(200);
    await writeFile(usersFile, '{"version": 1, "users": [{"name": "dirk"');
    expect((await dirk.fetch('/api/me')).status).toBe(401);
    expect(await person(base).signIn('dirk')).toBe(503);
    await waitFor(() => console.output().includes('console users file is invalid'), { timeoutMs: 10_000, what: 'the log line of the invalid users file' });
    // Repaired (here by hand, as an operator restoring a backup would): sign-in works again.
    await writeConsoleUsers(usersFile, { version: 1, users: [] });
    await cli('add', 'dirk', '--role', 'police:DE', '--password-file', join(dir, 'password'));
    expect(await dirk.signIn('dirk')).toBe(200);
  });
});
