// Runs the committed 3-node cluster configs on one machine: each node's file
// is copied with its production ports and host names swapped for free
// loopback ports, and nothing else changed (TLS, JetStream, accounts stay).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { freePort, natsServerBinary, waitFor } from '@relay/testkit';
import type { DeployCopy } from './deploy-copy.js';

/** The loopback ports one node of the local cluster listens on. */
export interface NodePorts {
  readonly client: number;
  readonly route: number;
  readonly monitor: number;
}

/** A running 3-node cluster started from deploy/nats/cluster. */
export interface LocalCluster {
  readonly ports: readonly NodePorts[];
  /** `tls://127.0.0.1:<client>` of every node, comma-separated. */
  readonly url: string;
  /** Monitoring URL of node `i` (0-based). */
  monitorUrl(i: number): string;
  stop(): Promise<void>;
}

const NODES = ['n1', 'n2', 'n3'] as const;

/**
 * Replaces the production listen addresses, routes and store of a node
 * config by loopback ones. Throws when an expected line is missing, so a
 * changed config cannot silently run with production settings.
 */
export function localizeNode(conf: string, node: number, ports: readonly NodePorts[], storeDir: string): string {
  const own = ports[node];
  if (!own) throw new RangeError(`no ports for node ${node}`);
  const swaps: [RegExp, string][] = [
    [/^listen: "0\.0\.0\.0:4222"$/m, `listen: "127.0.0.1:${own.client}"`],
    [/^http: "127\.0\.0\.1:8222"$/m, `http: "127.0.0.1:${own.monitor}"`],
    [/^ {2}listen: "0\.0\.0\.0:6222"$/m, `  listen: "127.0.0.1:${own.route}"`],
    [/^ {2}store_dir: "\/var\/lib\/nats-server"$/m, `  store_dir: ${JSON.stringify(storeDir)}`],
  ];
  let out = conf;
  for (const [pattern, replacement] of swaps) {
    if (!pattern.test(out)) throw new Error(`node config n${node + 1} has no line matching ${pattern.source}`);
    out = out.replace(pattern, replacement);
  }
  const routes = /"nats-route:\/\/n([1-3])\.nats\.relay\.internal:6222"/g;
  if ((out.match(routes) ?? []).length !== NODES.length) throw new Error(`node config n${node + 1} does not route to all ${NODES.length} nodes`);
  return out.replace(routes, (_, n: string) => `"nats-route://127.0.0.1:${ports[Number(n) - 1]?.route ?? 0}"`);
}

async function healthy(url: string): Promise<true | undefined> {
  try {
    return (await fetch(`${url}/healthz`)).ok ? true : undefined;
  } catch {
    return undefined;
  }
}

/** Starts n1, n2 and n3 from the base folder's cluster configs and waits until each is healthy. */
export async function startLocalCluster(copy: DeployCopy): Promise<LocalCluster> {
  const bin = natsServerBinary();
  const ports: NodePorts[] = [];
  for (const _ of NODES) ports.push({ client: await freePort(), route: await freePort(), monitor: await freePort() });
  const children: ChildProcess[] = [];
  const stderr: string[][] = [];
  for (const [i, name] of NODES.entries()) {
    const conf = await readFile(copy.path('nats', 'cluster', `${name}.conf`), 'utf8');
    const store = copy.path('store', name);
    await mkdir(store, { recursive: true });
    const local = copy.path('nats', 'cluster', `${name}.local.conf`);
    await writeFile(local, localizeNode(conf, i, ports, store));
    const child = spawn(bin, ['-c', local], { cwd: copy.base, env: copy.serverEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    const tail: string[] = [];
    stderr.push(tail);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => tail.push(...d.split('\n').filter(Boolean).slice(-20)));
    children.push(child);
  }
  process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  const monitorUrl = (i: number): string => `http://127.0.0.1:${ports[i]?.monitor ?? 0}`;
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const gone = new Promise((resolve) => c.once('exit', resolve));
        c.kill('SIGTERM');
        await gone;
      }),
    );
  };
  try {
    for (const [i, child] of children.entries()) {
      await waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`${NODES[i]} exited with ${child.exitCode}:\n${stderr[i]?.join('\n')}`);
          return healthy(monitorUrl(i));
        },
        { timeoutMs: 45_000, intervalMs: 100, what: `${NODES[i]} /healthz` },
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, url: ports.map((p) => `tls://127.0.0.1:${p.client}`).join(','), monitorUrl, stop };
}
