import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnavailableError } from '../errors.js';
import { trackDetached } from './detached.js';
import { answersOk, pollUntil } from './poll.js';

/** The dev stack's own nats-server. */
export interface DevNats {
  /** Client URL, `nats://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<string>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves when it is gone. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL now (a second Ctrl-C). */
  kill(): void;
}

/** Settings of {@link startDevNats}. */
export interface DevNatsOptions {
  readonly bin: string;
  /** Folder for the config, ports file and JetStream store (`./.relay/nats`). */
  readonly dir: string;
  readonly port: number;
  readonly readyTimeoutMs?: number;
}

function configOf(dir: string, port: number): string {
  return [
    '# Written by `relay dev` on every start: edit the flags, not this file.',
    'server_name: relay-dev',
    'host: 127.0.0.1',
    `port: ${port}`,
    // Monitoring on a free port: /healthz tells when JetStream is ready.
    'http: "127.0.0.1:-1"',
    `ports_file_dir: ${JSON.stringify(join(dir, 'ports'))}`,
    `pid_file: ${JSON.stringify(join(dir, 'nats-server.pid'))}`,
    // nats-server appends /jetstream to store_dir itself.
    `jetstream { store_dir: ${JSON.stringify(dir)} }`,
    '',
  ].join('\n');
}

async function monitorUrlOf(portsDir: string): Promise<string | undefined> {
  const files = existsSync(portsDir) ? (await readdir(portsDir)).filter((f) => f.endsWith('.ports')) : [];
  const file = files[0];
  if (file === undefined) return undefined;
  try {
    const ports = JSON.parse(await readFile(join(portsDir, file), 'utf8')) as { monitoring?: string[] };
    return ports.monitoring?.[0];
  } catch {
    // Written non-atomically: a partial read is retried.
    return undefined;
  }
}

/**
 * Starts nats-server with JetStream, its store under `dir`, on 127.0.0.1:`port`,
 * in its own process group (a Ctrl-C in the terminal reaches only `relay dev`,
 * which stops the services first and the server last). Resolves once
 * `/healthz` answers ok.
 * @throws UnavailableError with the server's last log lines when it exits or is not ready in time.
 */
export async function startDevNats(options: DevNatsOptions): Promise<DevNats> {
  const portsDir = join(options.dir, 'ports');
  await mkdir(options.dir, { recursive: true });
  await rm(portsDir, { recursive: true, force: true });
  await mkdir(portsDir, { recursive: true });
  const configFile = join(options.dir, 'nats-server.conf');
  await writeFile(configFile, configOf(options.dir, options.port));

  const child = spawn(options.bin, ['-c', configFile], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  trackDetached(child);
  const tail: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    tail.push(...chunk.split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 30));
  });
  let gone: string | undefined;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = signal ?? String(code);
      resolve(gone);
    }),
  );

  try {
    const monitor = await pollUntil(
      async () => {
        if (gone !== undefined) throw new Error(`nats-server exited (${gone})`);
        return monitorUrlOf(portsDir);
      },
      { timeoutMs: options.readyTimeoutMs ?? 20_000, what: 'nats-server writing its ports file' },
    );
    await pollUntil(
      async () => {
        if (gone !== undefined) throw new Error(`nats-server exited (${gone})`);
        return answersOk(`${monitor}/healthz`);
      },
      { timeoutMs: options.readyTimeoutMs ?? 20_000, what: 'nats-server /healthz' },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new UnavailableError(`nats-server did not start (${err instanceof Error ? err.message : String(err)}):\n  ${tail.join('\n  ')}`, err);
  }

  return {
    url: `nats://127.0.0.1:${options.port}`,
    pid: child.pid ?? 0,
    exited,
    kill: () => {
      if (gone === undefined) child.kill('SIGKILL');
    },
    stop: async (timeoutMs = 10_000) => {
      if (gone !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
