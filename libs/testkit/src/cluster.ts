import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { type NatsServer, startNatsServer } from './server.js';

/** A JetStream cluster of nats-server processes on loopback. */
export interface NatsCluster {
  /** The nodes, in order n1, n2, n3. */
  readonly nodes: readonly NatsServer[];
  /** Every node's client URL, comma-separated, for a client's server list. */
  readonly url: string;
  /** SIGKILLs node `index` (0-based). */
  kill(index: number): Promise<void>;
  /** Restarts node `index` on its ports with its store. */
  restart(index: number): Promise<void>;
  /** Stops every node and deletes the stores. */
  dispose(): Promise<void>;
}

/**
 * Spawns an `n`-node (default 3) JetStream cluster on 127.0.0.1 with fixed
 * ports (so a restarted node comes back where clients and peers expect it) and
 * waits until every node reports healthy, which on 2.9 includes contact with a
 * JetStream meta leader. `readyTimeoutMs` (default 30 s) and `healthQuery`
 * (as in `NatsServerOptions`) also apply to each `restart`.
 */
export async function startNatsCluster(
  options: { size?: number; extraConfig?: string; readyTimeoutMs?: number; healthQuery?: string } = {},
): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const root = await mkdtemp(join(tmpdir(), 'relay-nats-cluster-'));
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const nodes = await Promise.all(
    clientPorts.map(async (port, i) => {
      const dir = join(root, `n${i + 1}`);
      await mkdir(dir, { recursive: true });
      return startNatsServer(
        {
          port,
          dir,
          serverName: `n${i + 1}`,
          cluster: { name: 'relay-test', port: routePorts[i] ?? 0, routes: routePorts.filter((_, j) => j !== i) },
          ...(options.extraConfig === undefined ? {} : { extraConfig: options.extraConfig }),
          readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
          ...(options.healthQuery === undefined ? {} : { healthQuery: options.healthQuery }),
        },
        { ...process.env, NATS_URL: '' },
      );
    }),
  );
  const node = (i: number): NatsServer => {
    const n = nodes[i];
    if (!n) throw new RangeError(`no node ${i} in a ${size}-node cluster`);
    return n;
  };
  return {
    nodes,
    url: nodes.map((n) => n.url).join(','),
    kill: (i) => node(i).kill(),
    restart: (i) => node(i).restart(),
    dispose: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
