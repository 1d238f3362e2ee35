// The whole pipeline as hotlines see it: reports submitted over
// `relay.intake.submit` to the gateway, located by the locator (static zone of
// hosts in ~50 countries and behind a few CDNs), routed by the dispatcher, and
// referrals pulled and acked by a hotline-like consumer. Throughput at
// saturation and latency at fixed rates, beside the raw single hop.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcile } from '@relay/cli';
import { loadDirectoryFile } from '@relay/directory';
import { processCpuSeconds, type ServiceProcess } from '@relay/testkit';
import { DEV_DIRECTORY_FILE, DEV_SOURCES_FILE } from '@relay/testing';
import { type BenchSuite, type Figure, type LatencyFigures, versus } from '../harness.js';
import { endToEndLatency, referralsOf, type Sent, submitPaced, submitWindowed } from '../pipeline/drive.js';
import { benchHosts, findAddresses, zoneOf } from '../pipeline/hosts.js';
import { hopLatencies, streamMarks } from '../pipeline/hops.js';
import { startReferralSink } from '../pipeline/referral-sink.js';
import { reportGenerator } from '../pipeline/reports.js';

const WINDOW = 256;
const DRAIN_MS = 600_000;

/** Peak RSS of each service, sampled every 250 ms while the suite runs. */
function rssSampler(services: readonly ServiceProcess[]): { peakMB(name: string): number; stop(): void } {
  const peak = new Map<string, number>();
  const sample = (): void => {
    for (const s of services) peak.set(s.name, Math.max(peak.get(s.name) ?? 0, s.rssBytes()));
  };
  const timer = setInterval(sample, 250);
  return { peakMB: (name) => (peak.get(name) ?? 0) / 1e6, stop: () => (sample(), clearInterval(timer)) };
}

/** `figure` with a target met when its ratio to the baseline passes `met`. */
function withTarget(figure: Figure, target: string, met: (ratio: number) => boolean): Figure {
  return { ...figure, target, met: met(figure.vsBaseline?.ratio ?? 0) };
}

function latencyFigures(label: string, e2e: LatencyFigures, raw: LatencyFigures | undefined): Figure[] {
  const rows: Figure[] = [
    { name: `${label}: referrals measured`, value: e2e.samples, unit: '' },
    { name: `${label}: p50`, value: e2e.p50, unit: 'ms' },
    { name: `${label}: p90`, value: e2e.p90, unit: 'ms' },
  ];
  const p99: Figure = raw ? versus(`${label}: p99`, e2e.p99, 'ms', 'raw single-hop p99', raw.p99) : { name: `${label}: p99`, value: e2e.p99, unit: 'ms' };
  rows.push(p99, { name: `${label}: p99.9`, value: e2e.p999, unit: 'ms' });
  return rows;
}

export const suite: BenchSuite = {
  name: 'pipeline',
  async run(ctx) {
    const directory = loadDirectoryFile(DEV_DIRECTORY_FILE);
    const countries = [...new Set(directory.data.hotlines.map((h) => h.country))];
    const found = await findAddresses(countries);
    const hosts = benchHosts(found, 20);
    ctx.log(`hosts: ${found.byCountry.size} countries of ${countries.length}, CDNs ${[...found.byCdn.keys()].join(', ')}; ${hosts.length} host names`);
    const dir = await mkdtemp(join(tmpdir(), 'relay-bench-pipeline-'));
    try {
      const zone = join(dir, 'zone.json');
      await writeFile(zone, JSON.stringify(zoneOf(hosts)));
      const services = [
        await ctx.startService('gateway', { RELAY_SOURCES_FILE: DEV_SOURCES_FILE, RELAY_RATE_LIMIT: '1000000' }),
        await ctx.startService('locator', { RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: zone }),
        await ctx.startService('dispatcher', { RELAY_DIRECTORY_FILE: DEV_DIRECTORY_FILE, RELAY_RECHECK_INTERVAL: '1h' }),
      ];
      const rss = rssSampler(services);
      const sink = await startReferralSink(ctx.natsUrl, 'bench-hotlines');
      const make = reportGenerator('pipe', hosts);
      const figures: Figure[] = [];
      let next = 0;
      let delivered = 0;
      /** Waits until every referral of `sent` (and of what was sent before) was delivered. */
      const run = async (sent: Sent[]): Promise<Sent[]> => {
        delivered += referralsOf(sent);
        await sink.until(delivered, DRAIN_MS);
        return sent;
      };
      try {
        const suiteSince = new Date();
        // Warm-up: JIT, caches, tenant consumers.
        await run(await submitWindowed(ctx.bus, make, next, 300, 32));
        next += 300;

        // Saturation: as many reports as the gateway accepts, WINDOW in flight.
        const n = ctx.quick ? 3_000 : 20_000;
        const cpu0 = services.map((s) => s.cpuSeconds());
        const natsCpu0 = processCpuSeconds(ctx.natsServerPid);
        const benchCpu0 = process.cpuUsage();
        const started = performance.timeOrigin + performance.now();
        const sent = await submitWindowed(ctx.bus, make, next, n, WINDOW);
        next += n;
        const acceptedBy = Math.max(...sent.map((s) => s.acceptedAt));
        await run(sent);
        const routedBy = sink.lastAt();
        const urls = referralsOf(sent);
        const seconds = (routedBy - started) / 1000;
        const reportsPerSec = n / seconds;
        ctx.log(`saturation: ${n} reports (${urls} URLs) accepted in ${((acceptedBy - started) / 1000).toFixed(1)} s, all referrals delivered in ${seconds.toFixed(1)} s`);
        figures.push(
          { ...versus('reports/s accepted (receipts, 256 in flight)', n / ((acceptedBy - started) / 1000), 'reports/s', 'raw publish', ctx.baseline.publishPerSec) },
          withTarget(versus('reports/s end to end (accepted and every referral delivered)', reportsPerSec, 'reports/s', 'raw single hop', ctx.baseline.singleHopPerSec), '>= 33% of the raw single hop', (r) => r >= 0.33),
          withTarget(versus('referrals/s delivered', urls / seconds, 'referrals/s', 'raw single hop', ctx.baseline.singleHopPerSec), '>= 15% of the raw single hop (issue 22)', (r) => r >= 0.15),
          { name: 'URLs per report (mean)', value: urls / n, unit: '' },
        );
        const benchCpu = process.cpuUsage(benchCpu0);
        figures.push(
          { name: 'nats-server CPU per report', value: ((processCpuSeconds(ctx.natsServerPid) - natsCpu0) / n) * 1e6, unit: 'us' },
          { name: 'bench (submitting hotline + referral consumer) CPU per report', value: (benchCpu.user + benchCpu.system) / n, unit: 'us' },
        );
        const serviceCpu = services.map((s, i) => s.cpuSeconds() - (cpu0[i] ?? 0));
        const allCpu = serviceCpu.reduce((a, b) => a + b, 0) + processCpuSeconds(ctx.natsServerPid) - natsCpu0 + (benchCpu.user + benchCpu.system) / 1e6;
        figures.push({ name: `CPU busy during saturation (all processes, ${cpus().length} cores)`, value: (allCpu / (cpus().length * seconds)) * 100, unit: '%' });
        services.forEach((s, i) => {
          const cpu = serviceCpu[i] ?? 0;
          figures.push({ name: `${s.name} CPU per report`, value: (cpu / n) * 1e6, unit: 'us' });
          if (s.name === 'dispatcher') {
            const perUrl = (cpu / urls) * 1e6;
            figures.push({ name: 'dispatcher CPU per URL', value: perUrl, unit: 'us', target: '<= 150 us (issue 22)', met: perUrl <= 150 });
          } else if (s.name !== 'gateway') figures.push({ name: `${s.name} CPU per URL`, value: (cpu / urls) * 1e6, unit: 'us' });
        });

        // Latency at fixed rates: submission -> referral delivered.
        for (const rate of [100, 1_000]) {
          const count = rate * (ctx.quick ? 3 : 10);
          const marks = await streamMarks(ctx.bus);
          const timingsBefore = sink.timings().length;
          const paced = await run(await submitPaced(ctx.bus, make, next, count, rate));
          next += count;
          const e2e = endToEndLatency(paced, sink, rate);
          ctx.log(`at ${rate}/s: p50 ${e2e.p50.toFixed(1)} ms p99 ${e2e.p99.toFixed(1)} ms`);
          const rows = latencyFigures(`latency at ${rate} reports/s`, e2e, ctx.baseline.latency[`at${rate}`]);
          // Issue 14 asked for 3x at 1,000/s; issue 22 for 10x at 100/s.
          const [limit, asked] = rate === 1_000 ? [3, 'issue 14'] : [10, 'issue 22'];
          const p99 = rows.find((r) => r.name.endsWith(': p99'));
          if (p99?.vsBaseline) Object.assign(p99, { target: `<= ${limit}x the raw single-hop p99 (${asked})`, met: p99.vsBaseline.ratio <= limit });
          figures.push(...rows);
          if (rate === 100) {
            // Where the time goes, hop by hop (each message's stored time in its stream).
            const hops = await hopLatencies(ctx.bus, marks, paced, sink.timings().slice(timingsBefore), rate);
            for (const [hop, l] of Object.entries(hops)) figures.push({ name: `at ${rate}/s, ${hop}: p50 ${l.p50.toFixed(1)} ms, p99`, value: l.p99, unit: 'ms' });
          }
        }
        // What a round of `relay audit --follow` reads (decisions 0155, 0157): the reconciliation of everything
        // the suite routed, with the cases read one by one (a round whose window is small beside the bucket)
        // and with the bucket read whole (here it holds only the suite's cases, which the default chooses).
        // On a connection of its own, as the CLI's: on the bench's, busy with the suite's own reads, both are slower.
        const operator = await ctx.connectAs('operator-bench');
        for (const caseReads of ['get', 'scan'] as const) {
          const auditStarted = performance.now();
          const audit = await reconcile(operator, { since: suiteSince, caseReads });
          const auditSeconds = (performance.now() - auditStarted) / 1000;
          const how = caseReads === 'get' ? 'cases read one by one' : 'the case bucket read whole';
          ctx.log(`relay audit, ${how}: ${audit.reports} reports, ${audit.urls} URLs in ${auditSeconds.toFixed(1)} s; ${audit.lost} lost, ${audit.duplicated} duplicated`);
          figures.push(
            { name: `relay audit of the suite's ${audit.reports} reports, ${how}, reports/s`, value: audit.reports / auditSeconds, unit: 'reports/s' },
            { name: `relay audit, ${how}: reports lost or referrals and notices duplicated`, value: audit.lost + audit.duplicated, unit: '', target: '0', met: audit.lost + audit.duplicated === 0 },
          );
        }
        rss.stop();
        // In MB (10^6 bytes), as the target and the services suite's idle RSS.
        for (const s of services) figures.push({ name: `${s.name} peak RSS`, value: rss.peakMB(s.name), unit: 'MB', target: '< 150 MB', met: rss.peakMB(s.name) < 150 });
        return figures;
      } finally {
        rss.stop();
        await sink.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
