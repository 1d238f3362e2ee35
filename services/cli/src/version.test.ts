import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ExitCode, runCli } from './index.js';

const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const BIN = fileURLToPath(new URL('../bin/relay.js', import.meta.url));

describe('relay --version', () => {
  it('prints the version of the CLI package and exits 0', async () => {
    expect(PACKAGE.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-V']) {
      let out = '';
      const code = await runCli([flag], { out: (t) => (out += t), err: () => undefined, env: {} });
      expect(code).toBe(ExitCode.Ok);
      expect(out).toBe(`${PACKAGE.version}\n`);
    }
  });

  it('works from the installed `relay` command (the built dist/)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, '--version']);
    expect(stdout).toBe(`${PACKAGE.version}\n`);
  });
});
