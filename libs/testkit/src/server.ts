import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsServerMissingError, NatsServerStartError } from './errors.js';
import { waitFor } from './wait.js';

/** Where Debian's nats-server package installs the binary. */
export const DEFAULT_NATS_SERVER_BIN = '/usr/sbin/nats-server';

/**
 * Path of the nats-server binary: `NATS_SERVER_BIN`, else Debian's.
 * @throws NatsServerMissingError naming the path and how to install it.
 */
export function natsServerBinary(env: NodeJS.ProcessEnv = process.env): string {
  const bin = env['NATS_SERVER_BIN'] ?? DEFAULT_NATS_SERVER_BIN;
  if (!existsSync(bin)) throw new NatsServerMissingError(bin);
  return bin;
}

/** Settings of one nats-server process. */
export interface NatsServerOptions {
  /** Enable JetStream with a store in the server's temp folder. Default true. */
  readonly jetstream?: boolean;
  /** Client port; default: any free port (-1). */
  readonly port?: number;
  /** Unique server name (required in a cluster). */
  readonly serverName?: string;
  /** Cluster block: name, route port and the route ports of the peers. */
  readonly cluster?: {
    readonly name: string;
    readonly port: number;
    readonly routes: readonly number[];
    /** The route port this node tells its peers about (gossip); default its own. */
    readonly advertisePort?: number;
  };
  /** More nats-server configuration, appended verbatim (accounts, TLS, limits). */
  readonly extraConfig?: string;
  /** Reuse this folder for config and store (restarts keep their data). */
  readonly dir?: string;
  /** How long to wait for readiness, ms. Default 20 s. */
  readonly readyTimeoutMs?: number;
  /**
   * Query of the `/healthz` that means ready, e.g. `?js-enabled-only=true`.
   * Default: none (every stream and consumer current). On 2.9.10 a restarted
   * cluster node never reports idle R3 consumers current, so a full `/healthz`
   * stays 503 after a restart while the node serves fine (decision 0071).
   */
  readonly healthQuery?: string;
}

/** A running nats-server spawned by the testkit. */
export interface NatsServer {
  /** Client URL, e.g. `nats://127.0.0.1:38703`. */
  readonly url: string;
  /** Client port. */
  readonly port: number;
  /** Monitoring URL (`/healthz`, `/jsz`, `/varz`); empty for a reused server. */
  readonly monitorUrl: string;
  /** Folder with the config and the JetStream store. */
  readonly dir: string;
  /** PID of the process; undefined for a reused server. */
  readonly pid: number | undefined;
  /** True when this handle points at an outside server (`NATS_URL`). */
  readonly reused: boolean;
  /** Kills the process with SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same ports with the same store. */
  restart(): Promise<void>;
  /** Stops the process gracefully. */
  stop(): Promise<void>;
  /** Stops the process and deletes its folder. */
  dispose(): Promise<void>;
  /**
   * The permissions violations the server logged so far (its `Publish
   * Violation` / `Subscription Violation` lines, newest 1,000), across
   * restarts. Empty for a reused server.
   */
  violations(): readonly string[];
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Spawns a real nats-server on 127.0.0.1 with JetStream in a temp store and
 * waits until its ports file exists and `/healthz` answers ok (never a sleep).
 * When `NATS_URL` is set in `env`, spawns nothing and returns a handle to that
 * server instead; kill/restart then throw.
 * @throws NatsServerMissingError when the binary is missing.
 * @throws NatsServerStartError when the server exits or is not ready in time.
 */
export async function startNatsServer(options: NatsServerOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<NatsServer> {
  const reuse = env['NATS_URL'];
  if (reuse !== undefined && reuse !== '' && options.cluster === undefined && options.extraConfig === undefined) {
    return reusedServer(reuse);
  }
  const bin = natsServerBinary(env);
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'relay-nats-')));
  const proc = new ServerProcess(bin, dir, options);
  await proc.start(options.port ?? -1, -1);
  return proc.handle();
}

function reusedServer(url: string): NatsServer {
  const port = Number(new URL(url.split(',')[0] ?? url).port || 4222);
  const refuse = (): Promise<void> => Promise.reject(new Error('cannot kill or restart a server reused from NATS_URL'));
  return {
    url,
    port,
    monitorUrl: '',
    dir: '',
    pid: undefined,
    reused: true,
    kill: refuse,
    restart: refuse,
    stop: () => Promise.resolve(),
    dispose: () => Promise.resolve(),
    violations: () => [],
  };
}

class ServerProcess {
  private child: ChildProcess | undefined;
  private port = -1;
  private monitorPort = -1;
  private stderrTail: string[] = [];
  private readonly violationLines: string[] = [];

  constructor(
    private readonly bin: string,
    private readonly dir: string,
    private readonly options: NatsServerOptions,
  ) {}

  handle(): NatsServer {
    return {
      url: `nats://127.0.0.1:${this.port}`,
      port: this.port,
      monitorUrl: `http://127.0.0.1:${this.monitorPort}`,
      dir: this.dir,
      pid: this.child?.pid,
      reused: false,
      kill: () => this.signal('SIGKILL'),
      restart: () => this.start(this.port, this.monitorPort),
      stop: () => this.signal('SIGTERM'),
      dispose: async () => {
        await this.signal('SIGTERM');
        await rm(this.dir, { recursive: true, force: true });
      },
      violations: () => [...this.violationLines],
    };
  }

  async start(port: number, monitorPort: number): Promise<void> {
    if (this.child) throw new NatsServerStartError('nats-server is already running');
    const portsDir = join(this.dir, 'ports');
    await rm(portsDir, { recursive: true, force: true });
    await mkdir(portsDir, { recursive: true });
    const configPath = join(this.dir, 'nats-server.conf');
    await writeFile(configPath, this.config(port, monitorPort, portsDir));

    const child = spawn(this.bin, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    running.add(child);
    this.stderrTail = [];
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = chunk.split('\n').filter(Boolean);
      this.violationLines.push(...lines.filter((l) => / Violation /.test(l)));
      this.violationLines.splice(0, Math.max(0, this.violationLines.length - 1000));
      this.stderrTail.push(...lines);
      this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - 40));
    });
    let exited: string | undefined;
    child.once('exit', (code, sig) => {
      exited = `exited with ${sig ?? code}`;
      running.delete(child);
      if (this.child === child) this.child = undefined;
    });

    try {
      const ports = await waitFor(
        async () => {
          if (exited !== undefined) throw new NatsServerStartError(`nats-server ${exited}:\n${this.stderrTail.join('\n')}`);
          return readPortsFile(portsDir);
        },
        { timeoutMs: this.options.readyTimeoutMs ?? 20_000, what: 'the nats-server ports file' },
      );
      this.port = ports.client;
      this.monitorPort = ports.monitor;
      await waitFor(() => healthy(`http://127.0.0.1:${this.monitorPort}`, this.options.healthQuery ?? ''), {
        timeoutMs: this.options.readyTimeoutMs ?? 20_000,
        what: 'nats-server /healthz',
      });
    } catch (err) {
      child.kill('SIGKILL');
      throw err instanceof NatsServerStartError
        ? err
        : new NatsServerStartError(`nats-server did not become ready: ${String(err)}\n${this.stderrTail.join('\n')}`, { cause: err });
    }
  }

  private config(port: number, monitorPort: number, portsDir: string): string {
    const o = this.options;
    const lines = [
      'host: 127.0.0.1',
      `port: ${port}`,
      `http: "127.0.0.1:${monitorPort}"`,
      `ports_file_dir: ${JSON.stringify(portsDir)}`,
    ];
    if (o.serverName !== undefined) lines.push(`server_name: ${JSON.stringify(o.serverName)}`);
    if (o.jetstream ?? true) {
      // nats-server appends /jetstream to store_dir itself.
      lines.push(`jetstream { store_dir: ${JSON.stringify(this.dir)} }`);
    }
    if (o.cluster) {
      const routes = o.cluster.routes.map((p) => JSON.stringify(`nats-route://127.0.0.1:${p}`)).join(', ');
      const advertise = o.cluster.advertisePort === undefined ? '' : `, advertise: "127.0.0.1:${o.cluster.advertisePort}"`;
      lines.push(`cluster { name: ${JSON.stringify(o.cluster.name)}, listen: "127.0.0.1:${o.cluster.port}", routes: [${routes}]${advertise} }`);
    }
    if (o.extraConfig !== undefined) lines.push(o.extraConfig);
    return `${lines.join('\n')}\n`;
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(sig);
    await gone;
  }
}

async function readPortsFile(dir: string): Promise<{ client: number; monitor: number } | undefined> {
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.ports')) : [];
  const file = files[0];
  if (file === undefined) return undefined;
  try {
    const ports = JSON.parse(await readFile(join(dir, file), 'utf8')) as { nats?: string[]; monitoring?: string[] };
    const client = Number(new URL(ports.nats?.[0] ?? '').port);
    const monitor = Number(new URL(ports.monitoring?.[0] ?? '').port);
    return client > 0 && monitor > 0 ? { client, monitor } : undefined;
  } catch {
    // The server writes the file non-atomically; a partial read is retried.
    return undefined;
  }
}

async function healthy(monitorUrl: string, query: string): Promise<true | undefined> {
  try {
    const res = await fetch(`${monitorUrl}/healthz${query}`);
    return res.ok ? true : undefined;
  } catch {
    return undefined;
  }
}
