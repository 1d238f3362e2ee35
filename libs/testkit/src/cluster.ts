import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
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
  /**
   * The route link between nodes `a` and `b` (both directions), when the
   * cluster was started with `faultProxies`; else a RangeError.
   */
  link(a: number, b: number): LinkFaults;
  /** Cuts every route link of node `index`: it is partitioned from the others until `healAll`. */
  isolate(index: number): void;
  /** Heals every route link. */
  healAll(): void;
  /** Stops every node and deletes the stores. */
  dispose(): Promise<void>;
}

/** Faults on the route link between two nodes, applied to both directions (see {@link FaultProxy}). */
export interface LinkFaults {
  cut(): void;
  blackhole(): void;
  delay(ms: number, jitterMs?: number): void;
  heal(): void;
}

/**
 * Spawns an `n`-node (default 3) JetStream cluster on 127.0.0.1 with fixed
 * ports (so a restarted node comes back where clients and peers expect it) and
 * waits until every node reports healthy, which on 2.9 includes contact with a
 * JetStream meta leader. `readyTimeoutMs` (default 30 s) and `healthQuery`
 * (as in `NatsServerOptions`) also apply to each `restart`.
 */
export async function startNatsCluster(
  options: {
    size?: number;
    extraConfig?: string;
    readyTimeoutMs?: number;
    healthQuery?: string;
    /**
     * Route every node's connection to each peer through its own
     * {@link FaultProxy} (one per ordered pair), so a test can cut, delay or
     * blackhole a link. Nodes advertise a closed route port, so gossip never
     * opens a route that bypasses the proxies.
     */
    faultProxies?: boolean;
  } = {},
): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const root = await mkdtemp(join(tmpdir(), 'relay-nats-cluster-'));
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  // proxies[i][j]: node i's route to node j. Only with faultProxies.
  const proxies: (FaultProxy | undefined)[][] = [];
  let advertisePort: number | undefined;
  if (options.faultProxies === true) {
    // The nodes' ports are chosen but not yet bound: a proxy listening on "any free port" could take one.
    const taken = new Set([...clientPorts, ...routePorts]);
    const unusedPort = async (): Promise<number> => {
      for (;;) {
        const p = await freePort();
        if (!taken.has(p)) {
          taken.add(p);
          return p;
        }
      }
    };
    // Nothing listens here: a route learnt by gossip goes nowhere, only the configured (proxied) ones connect.
    advertisePort = await unusedPort();
    for (let i = 0; i < size; i++) {
      const row: (FaultProxy | undefined)[] = [];
      for (let j = 0; j < size; j++) row.push(i === j ? undefined : await startFaultProxy(routePorts[j] ?? 0, { port: await unusedPort() }));
      proxies.push(row);
    }
  }
  const routesOf = (i: number): number[] =>
    options.faultProxies === true
      ? (proxies[i] ?? []).flatMap((p) => (p === undefined ? [] : [p.port]))
      : routePorts.filter((_, j) => j !== i);
  const nodes = await Promise.all(
    clientPorts.map(async (port, i) => {
      const dir = join(root, `n${i + 1}`);
      await mkdir(dir, { recursive: true });
      return startNatsServer(
        {
          port,
          dir,
          serverName: `n${i + 1}`,
          cluster: { name: 'relay-test', port: routePorts[i] ?? 0, routes: routesOf(i), ...(advertisePort === undefined ? {} : { advertisePort }) },
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
  const link = (a: number, b: number): LinkFaults => {
    const both = [proxies[a]?.[b], proxies[b]?.[a]];
    const [ab, ba] = both;
    if (ab === undefined || ba === undefined) throw new RangeError(`no fault proxies between n${a + 1} and n${b + 1}: start the cluster with faultProxies`);
    return {
      cut: () => both.forEach((p) => p?.cut()),
      blackhole: () => both.forEach((p) => p?.blackhole()),
      delay: (ms, jitterMs) => both.forEach((p) => p?.delay(ms, jitterMs)),
      heal: () => both.forEach((p) => p?.heal()),
    };
  };
  return {
    nodes,
    url: nodes.map((n) => n.url).join(','),
    kill: (i) => node(i).kill(),
    restart: (i) => node(i).restart(),
    link,
    isolate: (i) => {
      for (let j = 0; j < size; j++) if (j !== i) link(i, j).cut();
    },
    healAll: () => {
      for (const row of proxies) for (const p of row) p?.heal();
    },
    dispose: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      await Promise.all(proxies.flat().flatMap((p) => (p === undefined ? [] : [p.close()])));
      await rm(root, { recursive: true, force: true });
    },
  };
}
