// The locator's figures: in-process IP lookups, the ASN table's start-up cost,
// and the locator service's observations/s against the bench's nats-server.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publishMessage, streamState } from '@relay/bus';
import { createCdnCatalogue, type GeoLookup, openGeo } from '@relay/geo';
import { deriveId, exampleMessage, RelayType, StreamName, subjects } from '@relay/wire';
import { type BenchContext, type BenchSuite, type Figure, versus } from '../harness.js';
import { randomIPv4 } from '../random-ip.js';

const run = promisify(execFile);

/**
 * Lookups of geo + CDN over `ips`, repeated for at least `minMs`: per second
 * of wall time, per second of this process's CPU time (all its threads, GC
 * included; less sensitive to other processes on a shared machine), and the
 * share masked by a CDN.
 */
function lookupRate(geo: GeoLookup, ips: readonly string[], minMs: number): { readonly perSec: number; readonly perCpuSec: number; readonly maskedShare: number } {
  const cdn = createCdnCatalogue();
  let n = 0;
  let masked = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  do {
    for (const ip of ips) {
      const f = geo.lookup(ip);
      if (cdn.operatorOf(f.address, f.asn)) masked++;
    }
    n += ips.length;
  } while (performance.now() - started < minMs);
  const used = process.cpuUsage(cpu);
  return { perSec: n / ((performance.now() - started) / 1000), perCpuSec: n / ((used.user + used.system) / 1e6), maskedShare: masked / n };
}

interface AsnLoadFigures {
  readonly ms: number;
  readonly from: string;
  readonly bytes: number;
  readonly memoryBytes: number;
  readonly rssBytes: number;
}

/** Loads the ASN table in a fresh process, so time and memory are the table's alone. */
async function asnLoadInChild(indexDir?: string): Promise<AsnLoadFigures> {
  const options = indexDir === undefined ? '{}' : JSON.stringify({ indexDir, writeIndex: false });
  const code = `
    const { loadEmbeddedAsn } = await import('@relay/geo');
    const before = process.memoryUsage();
    const t = performance.now();
    const load = await loadEmbeddedAsn(${options});
    const ms = performance.now() - t;
    const after = process.memoryUsage();
    process.stdout.write(JSON.stringify({ ms, from: load.from, bytes: load.bytes,
      memoryBytes: after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers, rssBytes: after.rss - before.rss }));`;
  const { stdout } = await run(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as AsnLoadFigures;
}

/** Opens all the embedded geolocation data (ASN + both country indexes) in a fresh process: the locator's start-up cost. */
async function openGeoInChild(): Promise<{ readonly ms: number; readonly memoryBytes: number }> {
  const code = `
    const { openGeo } = await import('@relay/geo');
    const before = process.memoryUsage();
    const t = performance.now();
    await openGeo();
    const ms = performance.now() - t;
    const after = process.memoryUsage();
    process.stdout.write(JSON.stringify({ ms, memoryBytes: after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers }));`;
  const { stdout } = await run(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as { ms: number; memoryBytes: number };
}

/** A static zone of `hosts` names spread over real hosters in several countries. */
function benchZone(hosts: number): unknown {
  const ips = ['185.107.56.1', '5.9.0.1', '51.38.0.1', '5.79.64.1', '178.62.0.1', '104.131.0.1', '1.1.1.1', '2a01:4f8::1'];
  const records: Record<string, unknown> = {};
  for (let i = 0; i < hosts; i++) {
    const ip = ips[i % ips.length] ?? '185.107.56.1';
    records[`h${i}.bench.example`] = ip.includes(':') ? { aaaa: [ip] } : { a: [ip] };
  }
  return { records };
}

async function serviceThroughput(ctx: BenchContext): Promise<Figure[]> {
  const reports = ctx.quick ? 200 : 2_000;
  const urlsPerReport = 10;
  const hosts = 1_000;
  const dir = await mkdtemp(join(tmpdir(), 'relay-bench-locator-'));
  try {
    const zoneFile = join(dir, 'zone.json');
    await writeFile(zoneFile, JSON.stringify(benchZone(hosts)));
    const service = await ctx.startService('locator', { RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: zoneFile });
    const before = (await streamState(ctx.bus, StreamName.Hosting))?.messages ?? 0;
    const cpuBefore = service.cpuSeconds();
    const base = exampleMessage(RelayType.Report);
    // Published as the gateway publishes them: signed with its key, which the locator verifies.
    const gateway = await ctx.connectAs('gateway');
    const started = performance.now();
    let next = 0;
    const publisher = async (): Promise<void> => {
      while (next < reports) {
        const i = next++;
        const urls = Array.from({ length: urlsPerReport }, (_, k) => `http://h${(i * urlsPerReport + k) % hosts}.bench.example/r${i}/${k}`);
        const report = { ...base, id: deriveId('rpt', 'bench', i), sourceReportId: `bench-${i}`, urls };
        await publishMessage(gateway, subjects.report('bench'), RelayType.Report, report, { msgId: `bench:${i}`, origin: 'bench' });
      }
    };
    await Promise.all(Array.from({ length: 64 }, publisher));
    const expected = before + reports * urlsPerReport;
    for (;;) {
      const now = (await streamState(ctx.bus, StreamName.Hosting))?.messages ?? 0;
      if (now >= expected) break;
      if (performance.now() - started > 300_000) throw new Error(`only ${now - before} of ${reports * urlsPerReport} observations after 300 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const observations = reports * urlsPerReport;
    const perSec = observations / seconds;
    const cpuUs = ((service.cpuSeconds() - cpuBefore) / observations) * 1e6;
    ctx.log(`${observations} observations from ${reports} reports in ${seconds.toFixed(2)} s`);
    return [
      { ...versus('service observations/s (10 URLs per report, static zone)', perSec, '/s', 'raw publish', ctx.baseline.publishPerSec) },
      { name: 'service reports/s', value: reports / seconds, unit: '/s' },
      { name: 'service CPU per observation', value: cpuUs, unit: 'us' },
      { name: 'service RSS', value: service.rssBytes() / 2 ** 20, unit: 'MiB' },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Figures of the locator: lookups, ASN table cost, service throughput. */
export const suite: BenchSuite = {
  name: 'locator',
  async run(ctx) {
    const figures: Figure[] = [];
    const minMs = ctx.quick ? 500 : 2_000;

    const memoised = await openGeo();
    const workingSet = randomIPv4(10_000);
    lookupRate(memoised, workingSet, 200);
    const hot = lookupRate(memoised, workingSet, minMs).perSec;
    figures.push({ name: 'lookups/s in process (10k-address working set, memoised)', value: hot, unit: '/s', target: '>= 1,000,000/s', met: hot >= 1_000_000 });
    // No memo: every lookup parses and searches. Warmed up on other addresses than it is measured on.
    const uncached = await openGeo({ cacheSize: 0 });
    lookupRate(uncached, randomIPv4(50_000, 8), 200);
    const { perSec: cold, perCpuSec: coldCpu, maskedShare } = lookupRate(uncached, randomIPv4(200_000, 7), minMs);
    figures.push({ name: 'lookups/s in process (every address new: 2 country indexes + ASN + CDN)', value: cold, unit: '/s', target: '>= 1,000,000/s', met: cold >= 1_000_000 });
    figures.push({ name: 'lookups per CPU-second (every address new)', value: coldCpu, unit: '/s' });
    ctx.log(`lookups: ${Math.round(hot)}/s memoised, ${Math.round(cold)}/s uncached (${(maskedShare * 100).toFixed(1)}% of random addresses behind a CDN)`);

    const fromIndex = await asnLoadInChild();
    figures.push({ name: `ASN table load (prebuilt index, ${(fromIndex.bytes / 2 ** 20).toFixed(1)} MiB)`, value: fromIndex.ms, unit: 'ms', target: '< 300 ms', met: fromIndex.ms < 300 });
    figures.push({ name: 'ASN table memory (heap + buffers)', value: fromIndex.memoryBytes / 2 ** 20, unit: 'MiB', target: '< 40 MB', met: fromIndex.memoryBytes < 40e6 });
    figures.push({ name: 'ASN table RSS growth', value: fromIndex.rssBytes / 2 ** 20, unit: 'MiB' });
    const opened = await openGeoInChild();
    figures.push({ name: 'all geolocation data open (ASN + 2 country indexes)', value: opened.ms, unit: 'ms' });
    figures.push({ name: 'all geolocation data memory (heap + buffers)', value: opened.memoryBytes / 2 ** 20, unit: 'MiB' });
    if (!ctx.quick) {
      const empty = await mkdtemp(join(tmpdir(), 'relay-bench-asn-'));
      try {
        const fromCsv = await asnLoadInChild(empty);
        figures.push({ name: 'ASN table from the CSV (no index; first start only)', value: fromCsv.ms, unit: 'ms' });
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    }

    figures.push(...(await serviceThroughput(ctx)));
    return figures;
  },
};
