import { fileURLToPath } from 'node:url';
import { DEV_DIRECTORY_FILE, DEV_SOURCES_FILE } from '@relay/testing';
import { type ServiceProcess, startService } from '@relay/testkit';

/** The repository root, where the services run from. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The demo API keys of `deploy/dev/sources.json`, from the shared fixture (decision 0116). */
export { DEMO_KEYS } from '@relay/testing';

/** The three services of the pipeline. */
export const ServiceName = { Gateway: 'gateway', Locator: 'locator', Dispatcher: 'dispatcher' } as const;
export type ServiceName = (typeof ServiceName)[keyof typeof ServiceName];

/** How to run the pipeline. */
export interface PipelineOptions {
  /** Server URL(s) for `NATS_URL`. */
  readonly natsUrl: string;
  /** The static DNS zone the locators answer from. */
  readonly zoneFile: string;
  /** `RELAY_RECHECK_INTERVAL` of the dispatchers. Default 1h (no rechecks during a test). */
  readonly recheckInterval?: string;
  /** Copies of each service. Default 1. */
  readonly copies?: number;
  /** `RELAY_REPLICAS` (3 in a cluster). Default 1. */
  readonly replicas?: 1 | 3;
  /** More environment for every service. */
  readonly env?: Readonly<Record<string, string>>;
  /** More environment per service, applied last (e.g. its generated NATS user: harness/accounts.ts). */
  readonly serviceEnv?: Partial<Readonly<Record<ServiceName, Readonly<Record<string, string>>>>>;
}

/** Gateway, locator and dispatcher processes on one NATS server or cluster. */
export interface Pipeline {
  /** Running copies of a service (replaced in place on restart). */
  copies(name: ServiceName): readonly ServiceProcess[];
  /** `http://127.0.0.1:<port>` of gateway copy `index`. */
  gatewayUrl(index?: number): string;
  /** SIGKILLs copy `index` of `name`, as a crash would. */
  kill(name: ServiceName, index?: number): Promise<void>;
  /** Starts copy `index` of `name` again (after a kill), with `env` over its settings, and waits until it is healthy. */
  restart(name: ServiceName, index?: number, env?: Readonly<Record<string, string>>): Promise<void>;
  /** Stops every process (SIGTERM, drain). */
  stop(): Promise<void>;
}

/**
 * Starts the services as production runs them (`node services/<name>/dist/main.js`;
 * `npm run build` first) with the dev directory, the dev sources and the
 * given zone, one kind after the other so that the first ensures the topology.
 * The dispatcher goes first: it seeds the directory and creates the tenant consumers.
 */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const common: Record<string, string> = { RELAY_REPLICAS: String(options.replicas ?? 1), ...options.env };
  const envOf: Record<ServiceName, Record<string, string>> = {
    dispatcher: {
      RELAY_DIRECTORY_FILE: DEV_DIRECTORY_FILE,
      RELAY_RECHECK_INTERVAL: options.recheckInterval ?? '1h',
      RELAY_DISPATCHER_ACK_WAIT: '10s',
      ...common,
    },
    locator: { RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: options.zoneFile, ...common },
    // Load tests send thousands of reports a minute from one source.
    gateway: { RELAY_SOURCES_FILE: DEV_SOURCES_FILE, RELAY_RATE_LIMIT: '1000000', ...common },
  };
  const start = (name: ServiceName, env: Readonly<Record<string, string>> = {}): Promise<ServiceProcess> =>
    startService(name, { natsUrl: options.natsUrl, env: { ...envOf[name], ...options.serviceEnv?.[name], ...env }, readyTimeoutMs: 60_000 });
  const running: Record<ServiceName, ServiceProcess[]> = { dispatcher: [], locator: [], gateway: [] };
  const copies = options.copies ?? 1;
  try {
    for (const name of [ServiceName.Dispatcher, ServiceName.Locator, ServiceName.Gateway]) {
      for (let i = 0; i < copies; i++) running[name].push(await start(name));
    }
  } catch (err) {
    await Promise.all(Object.values(running).flat().map((p) => p.kill()));
    throw err;
  }
  const copy = (name: ServiceName, index: number): ServiceProcess => {
    const p = running[name][index];
    if (!p) throw new RangeError(`no ${name} copy ${index}`);
    return p;
  };
  return {
    copies: (name) => running[name],
    gatewayUrl: (index = 0) => `http://127.0.0.1:${copy(ServiceName.Gateway, index).httpPort ?? 0}`,
    kill: (name, index = 0) => copy(name, index).kill(),
    restart: async (name, index = 0, env = {}) => {
      await copy(name, index).kill();
      running[name][index] = await start(name, env);
    },
    stop: async () => {
      await Promise.all(Object.values(running).flat().map((p) => p.stop()));
    },
  };
}

/**
 * The sum of a Prometheus counter over the samples whose labels include
 * `labels`, from a process's `/metrics` on its ops port.
 */
export async function counterValue(p: ServiceProcess, metric: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${p.opsPort}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{(.*)\})? ([\d.e+-]+)$/.exec(line);
    if (!m || m[1] !== metric) continue;
    const have = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
