// Test support (decision 0116) for the dev stack suites: runs `relay` from its TypeScript
// sources as its own process, the way a person runs `npx relay`.
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
// Absolute, so it loads from any working directory (tests run relay in a temp folder).
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A `relay` process started by {@link spawnRelay}. */
export interface RelayProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  out(): string;
  err(): string;
  /** Resolves with the exit code (or signal name) when it ends. */
  readonly exited: Promise<number | string>;
}

/** Starts `relay <args>` in `cwd` with `env` (on top of this process's environment, without NATS_URL unless given). */
export function spawnRelay(args: readonly string[], options: { cwd: string; env?: Readonly<Record<string, string>> }): RelayProcess {
  const { NATS_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--conditions=@relay/source', '--import', TSX, MAIN, ...args], {
    cwd: options.cwd,
    env: { ...inherited, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return { child, out: () => out, err: () => err, exited };
}

/** True while a process with this pid exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
