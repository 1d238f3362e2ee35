import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, runCli } from '../index.js';
import { prepareDevConsole, prepareDevConsoleUsers } from './console-users.js';
import { prepareDevDirectory } from './directory-key.js';

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relay-dev-console-'));
  dirs.push(dir);
  return dir;
}

describe("the dev console's signing keys", () => {
  it('gives every hotline with a console sign-in a dev key the directory lists, the demo eco included', async () => {
    const dir = await stateDir();
    const users = await prepareDevConsoleUsers(dir);
    expect(users.hotlines).toEqual(['eokm', 'eco']);
    // Someone adds an analyst of another hotline before the next start.
    await writeFile(join(dir, 'password'), 'a long enough password\n');
    const code = await runCli(['console', 'users', 'add', 'fsm-analyst', '--role', 'hotline:fsm', '--password-file', join(dir, 'password'), '--file', users.usersFile], { out: () => undefined, err: () => undefined, env: {} });
    expect(code).toBe(ExitCode.Ok);
    const again = await prepareDevConsoleUsers(dir);
    expect(again.hotlines).toEqual(['eokm', 'eco', 'fsm']);

    const dev = await prepareDevDirectory(dir, undefined, again.hotlines);
    const files = await prepareDevConsole(dir, dev, again);
    for (const hotline of ['eokm', 'eco', 'fsm']) {
      const key = dev.signingKeys[hotline];
      expect(key, hotline).toBeDefined();
      expect(dev.directory.data.signers[hotline], hotline).toEqual([key?.publicKey]);
      // The console's connection for the hotline signs with that key (tenants.ts reads this file).
      await expect(readFile(join(files.keysDir, `console-hotline-${hotline}.signing.nk`), 'utf8')).resolves.toBe(await readFile(key?.seedFile ?? '', 'utf8'));
    }
  });

  it('refuses to start on a corrupt users file instead of guessing who may sign in', async () => {
    const dir = await stateDir();
    await writeFile(join(dir, 'console-users.json'), '{"version": 1, "users": [');
    await expect(prepareDevConsoleUsers(dir)).rejects.toThrow(/is not a console users file/);
  });
});
