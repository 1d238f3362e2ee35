// Start-up time and idle memory of each service as a process: spawn of
// `node services/<name>/dist/main.js` until its /healthz answers 200 (NATS
// connected, topology ensured), measured by the testkit polling every few ms.
// Runs first, on a server holding only the topology: a restart beside a million
// stored cases is the dispatcher suite's question, not this one's.
import type { ServiceProcess } from '@relay/testkit';
import { type BenchContext, type BenchSuite, type Figure, median } from '../harness.js';

const STARTS = 5;
const START_TARGET_MS = 500;
const RSS_TARGET_MB = 150;
/** How long a started service idles before its RSS is read, ms. */
const IDLE_MS = 1_000;

/** The configuration each service needs to start, as the dev stack runs it. */
const SERVICES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  gateway: { RELAY_SOURCES_FILE: 'deploy/dev/sources.json' },
  locator: { RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: 'deploy/dev/zone.json' },
  dispatcher: { RELAY_DIRECTORY_FILE: 'deploy/dev/directory.json' },
};

interface Start {
  readonly ms: number;
  readonly cpuMs: number;
  readonly idleRssMb: number;
}

/** Starts `name`, reads its start-up time and CPU at ready and its RSS after idling, and stops it. */
async function startOnce(ctx: BenchContext, name: string): Promise<Start> {
  const service: ServiceProcess = await ctx.startService(name, SERVICES[name]);
  const cpuMs = service.cpuSeconds() * 1000;
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const idleRssMb = service.rssBytes() / 1e6;
  await service.stop();
  return { ms: service.startedInMs, cpuMs, idleRssMb };
}

export const suite: BenchSuite = {
  name: 'services',
  async run(ctx) {
    const figures: Figure[] = [];
    for (const name of Object.keys(SERVICES)) {
      const starts: Start[] = [];
      for (let i = 0; i < STARTS; i++) starts.push(await startOnce(ctx, name));
      const ms = starts.map((s) => s.ms);
      const rss = Math.max(...starts.map((s) => s.idleRssMb));
      ctx.log(`${name}: start-up ${ms.map((m) => m.toFixed(0)).join(', ')} ms; idle RSS up to ${rss.toFixed(0)} MB`);
      const target = `< ${START_TARGET_MS} ms`;
      figures.push(
        { name: `${name} start-up, median of ${STARTS} (spawn -> /healthz 200)`, value: median(ms), unit: 'ms', target, met: median(ms) < START_TARGET_MS },
        { name: `${name} start-up, max of ${STARTS}`, value: Math.max(...ms), unit: 'ms', target, met: Math.max(...ms) < START_TARGET_MS },
        { name: `${name} CPU used to start, median`, value: median(starts.map((s) => s.cpuMs)), unit: 'ms' },
        { name: `${name} idle RSS, max of ${STARTS} (${IDLE_MS / 1000} s after ready)`, value: rss, unit: 'MB', target: `< ${RSS_TARGET_MB} MB`, met: rss < RSS_TARGET_MB },
      );
    }
    return figures;
  },
};
