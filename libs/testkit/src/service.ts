import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NatsServerStartError } from './errors.js';
import { freePort } from './ports.js';
import { processCpuSeconds, processRssBytes } from './proc.js';
import { waitFor } from './wait.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A Hotline Relay service running as its own process, as in production. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Port of its `/healthz` and `/metrics` (the gateway's also `/openapi.json` and `/docs`). */
  readonly opsPort: number;
  /** Its public HTTP API port (gateway: `/v1/reports`, `/healthz`), when it has one. */
  readonly httpPort: number | undefined;
  /**
   * Start-up time, ms: from just before the spawn to the first 200 from
   * `/healthz` (NATS connected, topology ensured, and the service's own checks).
   * Polled every {@link READY_POLL_MS} ms, so it is late by at most that plus one request.
   */
  readonly startedInMs: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** CPU time used so far (user + system), seconds, from /proc. */
  cpuSeconds(): number;
  /** Resident set size now, bytes, from /proc. */
  rssBytes(): number;
  /** SIGKILL, as a crash would; resolves when it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (drain) and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
}

/** How often `/healthz` is asked during start-up, ms: small, so `startedInMs` is precise (an attempt costs ~0.2 ms of CPU). */
const READY_POLL_MS = 5;

/** Options of {@link startService}. */
export interface ServiceOptions {
  /** Server URL(s) for `NATS_URL`. */
  readonly natsUrl: string;
  /** More environment (config of the service). */
  readonly env?: Readonly<Record<string, string>>;
  /** Readiness timeout, ms. Default 20 s. */
  readonly readyTimeoutMs?: number;
  /** More node options, before the script (the bench's `--cpu-prof`: V8 profiles written on a clean exit). */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts `services/<name>/dist/main.js` (run `npm run build` first) with its
 * ops port (and for the gateway its HTTP port) on free loopback ports, and
 * resolves once `/healthz` answers 200: NATS connected, topology ensured.
 * @throws NatsServerStartError (the process's output attached) when it exits
 *   or is not ready in time.
 */
export async function startService(name: string, options: ServiceOptions): Promise<ServiceProcess> {
  const main = `${REPO_ROOT}services/${name}/dist/main.js`;
  if (!existsSync(main)) throw new NatsServerStartError(`${main} does not exist: run npm run build first`);
  const opsPort = await freePort();
  const httpPort = name === 'gateway' || name === 'console' ? await freePort() : undefined;
  const spawnedAt = performance.now();
  // The young generation and malloc arenas as production runs them (decision 0085).
  const child: ChildProcess = spawn(process.execPath, ['--max-semi-space-size=8', ...(options.nodeArgs ?? []), main], {
    cwd: REPO_ROOT,
    env: {
      MALLOC_ARENA_MAX: '2',
      ...process.env,
      LOG_LEVEL: 'warn',
      ...options.env,
      NATS_URL: options.natsUrl,
      RELAY_OPS_PORT: String(opsPort),
      ...(httpPort === undefined ? {} : { RELAY_HTTP_PORT: String(httpPort) }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-200_000)));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  // Every service answers /healthz on its ops port; the gateway's API port answers it too, for load balancers.
  const healthPort = opsPort;
  let startedInMs: number;
  try {
    startedInMs = await waitFor(
      async () => {
        if (gone) throw new Error('exited');
        const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`).catch(() => undefined);
        if (!res) return undefined;
        const elapsed = performance.now() - spawnedAt;
        // Read the body so the connection is freed: a not-yet-ready service may answer 503 many times.
        await res.arrayBuffer().catch(() => undefined);
        return res.ok ? elapsed : undefined;
      },
      { timeoutMs: options.readyTimeoutMs ?? 20_000, intervalMs: READY_POLL_MS, what: `${name} /healthz` },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new NatsServerStartError(`${name} did not become ready (${String(err)}):\n${out.slice(-4000)}`, { cause: err });
  }
  const pid = child.pid ?? 0;
  return {
    name,
    pid,
    opsPort,
    httpPort,
    startedInMs,
    exited,
    output: () => out,
    cpuSeconds: () => processCpuSeconds(pid),
    rssBytes: () => processRssBytes(pid),
    kill: async () => {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
  };
}
