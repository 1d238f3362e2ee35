// `npm run bench [-- --json] [--quick] [--only <suite>] [--record] [--soak-minutes N] [--soak-follow D] [--nats-prof-port P] [--cpu-prof DIR]`: spawns its own
// nats-server, measures the raw JetStream baseline, then every suite on a fresh server, and
// prints the figures beside the baseline (a table, or one JSON object);
// `--record` also writes the table into docs/performance.md.
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology } from '@relay/bus';
import { seedDirectory } from '@relay/directory';
import { type ServiceProcess, startNatsServer, startService } from '@relay/testkit';
import { measureBaseline } from './baseline.js';
import type { BenchContext, Figure } from './harness.js';
import { makeBenchKeys } from './keys.js';
import { assertProvenanceOn } from './provenance-check.js';
import { recordInDoc } from './record.js';
import { formatTable } from './report.js';
import { suites } from './suites/index.js';

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, only: { type: 'string', multiple: true }, record: { type: 'boolean', default: false }, 'soak-minutes': { type: 'string' }, 'soak-follow': { type: 'string' }, 'nats-prof-port': { type: 'string' }, 'cpu-prof': { type: 'string' } },
});
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function serverVersion(url: string): Promise<string> {
  const bus = await connectBus(busConfigFromEnv({ NATS_URL: url }, 'bench-probe'));
  await bus.close();
  return bus.serverVersion;
}

// Always the bench's own server, never NATS_URL's (the machine's shared one). With --nats-prof-port,
// each suite's server serves Go's pprof there (`/debug/pprof/profile`, `/debug/pprof/heap`).
const profPort = values['nats-prof-port'] === undefined ? undefined : Number(values['nats-prof-port']);
if (profPort !== undefined && !(Number.isInteger(profPort) && profPort > 1024 && profPort < 65536)) throw new Error(`--nats-prof-port: a port number above 1024, not ${values['nats-prof-port']}`);
// With --cpu-prof DIR, every service a suite starts writes a V8 CPU profile into DIR/<service> when it
// stops (node refuses --cpu-prof in NODE_OPTIONS, so it goes on the command line).
const cpuProfDir = values['cpu-prof'];
const nodeArgs = (name: string): string[] => (cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}/${name}`]);
const spawnServer = (profile = false) => startNatsServer(profile && profPort !== undefined ? { extraConfig: `prof_port: ${profPort}` } : {}, { ...process.env, NATS_URL: '' });
const keys = await makeBenchKeys();
const server = await spawnServer();
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  natsServer: await serverVersion(server.url),
  date: new Date().toISOString(),
};
const results: Record<string, Figure[]> = {};
try {
  const baseline = await measureBaseline(server.url, values.quick, log);
  const selected = suites.filter((s) => (values.only ? values.only.includes(s.name) : s.optIn !== true));
  const soakMinutes = values['soak-minutes'] === undefined ? undefined : Number(values['soak-minutes']);
  if (soakMinutes !== undefined && !(Number.isInteger(soakMinutes) && soakMinutes >= 2)) throw new Error(`--soak-minutes: a whole number of at least 2, not ${values['soak-minutes']}`);
  const soakFollowEvery = values['soak-follow'];
  if (soakFollowEvery !== undefined && !/^\d+[sm]$/.test(soakFollowEvery)) throw new Error(`--soak-follow: how often a round runs, as \`relay audit --every\` takes it (5m, 90s), not ${soakFollowEvery}`);
  for (const suite of selected) {
    // Every suite gets a server of its own (same settings, empty store): one suite's streams and
    // unconsumed messages must neither slow the next nor be counted in its figures.
    const suiteServer = await spawnServer(true);
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: suiteServer.url }, `bench-${suite.name}`));
    await ensureTopology(bus, { replicas: 1 });
    // As an operator applies it before the services start: the dev directory, signed, listing every signing key.
    await seedDirectory(bus, keys.devDirectory);
    const started: ServiceProcess[] = [];
    const connections: Bus[] = [];
    const ctx: BenchContext = {
      natsUrl: suiteServer.url,
      natsServerPid: suiteServer.pid ?? 0,
      bus,
      quick: values.quick,
      ...(soakMinutes === undefined ? {} : { soakMinutes }),
      ...(soakFollowEvery === undefined ? {} : { soakFollowEvery }),
      baseline,
      keys,
      log: (line) => log(`${suite.name}: ${line}`),
      connectAs: async (user) => {
        const c = await keys.connectAs(user, suiteServer.url);
        connections.push(c);
        return c;
      },
      startService: async (name, env = {}) => {
        const p = await startService(name, { natsUrl: suiteServer.url, env: await keys.serviceEnv(name, env), nodeArgs: nodeArgs(name) });
        started.push(p);
        return p;
      },
    };
    log(`== ${suite.name}`);
    try {
      results[suite.name] = await suite.run(ctx);
      await assertProvenanceOn(bus, suite.expectedDlqCodes).catch((err: unknown) => {
        // The figures are void, but what was measured is still worth reading (a soak takes half an hour).
        log(formatTable(machine, baseline, results));
        throw err;
      });
    } finally {
      await Promise.all(started.map((p) => p.stop()));
      await Promise.all(connections.map((c) => c.close()));
      await bus.close();
      await suiteServer.dispose();
    }
  }
  const table = formatTable(machine, baseline, results);
  if (values.json) process.stdout.write(`${JSON.stringify({ machine, baseline, suites: results })}\n`);
  else process.stdout.write(table);
  if (values.record) recordInDoc(table, `npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd());
} finally {
  await keys.dispose();
  await server.dispose();
}
