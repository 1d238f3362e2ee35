import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { UnavailableError } from '../errors.js';
import { trackDetached } from './detached.js';
import { type DevService, serviceMain } from './paths.js';
import { answersOk, pollUntil } from './poll.js';

/** How a service process ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A service of the dev stack running as its own process. */
export interface DevChild {
  readonly name: DevService;
  readonly pid: number;
  /** Its `/healthz`. */
  readonly healthUrl: string;
  /** Resolves when the process ends. */
  readonly exited: Promise<ChildExit>;
  /** True once it has ended. */
  hasExited(): boolean;
  /** SIGTERM (the service drains and exits), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<ChildExit>;
  /** SIGKILL now. */
  kill(): void;
}

/** Settings of one service process. */
export interface DevChildOptions {
  readonly name: DevService;
  /** Its whole environment (NATS_URL, RELAY_*). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Where its `/healthz` answers. */
  readonly healthUrl: string;
  /** Gets every line it writes, stdout and stderr alike. */
  readonly onLine: (name: DevService, line: string) => void;
}

/**
 * Starts `node services/<name>/dist/main.js`, exactly as production runs it,
 * in its own process group (decision 0051), and forwards its output line by line.
 * @throws FileError when the service is not built.
 */
export function startChild(options: DevChildOptions): DevChild {
  // The young generation and malloc arenas as production runs them (decision 0085).
  const child = spawn(process.execPath, ['--max-semi-space-size=8', serviceMain(options.name)], {
    cwd: options.cwd,
    env: { MALLOC_ARENA_MAX: '2', ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackDetached(child);
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => options.onLine(options.name, line));
  }
  let ended: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = { code, signal };
      resolve(ended);
    }),
  );
  return {
    name: options.name,
    pid: child.pid ?? 0,
    healthUrl: options.healthUrl,
    exited,
    hasExited: () => ended !== undefined,
    kill: () => {
      if (ended === undefined) child.kill('SIGKILL');
    },
    stop: async (timeoutMs = 15_000) => {
      if (ended !== undefined) return ended;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** `exited with code 1`, `was killed by SIGKILL`. */
export function exitText(exit: ChildExit): string {
  return exit.signal === null ? `exited with code ${exit.code ?? '?'}` : `was killed by ${exit.signal}`;
}

/**
 * Waits until the service's `/healthz` answers ok: NATS connected, topology
 * ensured, and for the dispatcher a directory loaded.
 * @throws UnavailableError when it exits first or is not ready in `timeoutMs`.
 */
export async function waitUntilReady(child: DevChild, timeoutMs: number): Promise<void> {
  try {
    await pollUntil(
      async () => {
        if (child.hasExited()) throw new Error(`it ${exitText(await child.exited)}`);
        return answersOk(child.healthUrl);
      },
      { timeoutMs, intervalMs: 100, what: `${child.name} answering ${child.healthUrl}` },
    );
  } catch (err) {
    throw new UnavailableError(`${child.name} did not become ready: ${err instanceof Error ? err.message : String(err)}; its log lines above say why`, err);
  }
}
