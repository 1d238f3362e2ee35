// The soak (issue 21, item 5; opt-in: `npm run bench -- --only soak [--soak-minutes 30]`):
// the whole pipeline at a steady 100 reports/s for half an hour, and every five minutes a wave
// of relocations (the hosts of one country move to another and their URLs are reported again).
// Hotlines close each case a few minutes after its referral (a removal status), so cases close at
// the rate they open. Per minute: each service's and nats-server's RSS, the p99 from submission to
// referral, the consumers' lag and the cases open.
// The figures compare the last minutes with the first minutes of steady state (cases closing): flat, or not.
// At the end, `relay audit`'s reconciliation over every receipt: nothing lost, nothing twice.
// With `--soak-follow 5m`, `relay audit --repair --follow --since 30m` runs beside it as a
// deployment runs it (its own process, an operator), a round every 5 minutes: what its rounds cost
// under the load, and what the load costs with them.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcile } from '@relay/cli';
import { processCpuSeconds, processRssBytes, type ServiceProcess } from '@relay/testkit';
import { DEV_DIRECTORY_FILE, DEV_SOURCES_FILE } from '@relay/testing';
import { loadDirectoryFile } from '@relay/directory';
import { type Bus, consumerLag, isRetryable, STREAM_SPECS, streamState } from '@relay/bus';
import { StreamName } from '@relay/wire';
import { PIPELINE_CONSUMERS, settled } from '../../e2e/harness/settle.js';
import { type BenchSuite, type Figure, median, percentiles } from '../harness.js';
import { paced } from '../baseline.js';
import { EOKM_KEY } from '../pipeline/drive.js';
import { submitReport } from '@relay/client';
import { type BenchHost, benchHosts, findAddresses, zoneOf } from '../pipeline/hosts.js';
import { startCaseCloser } from '../pipeline/case-closer.js';
import { startReferralSink } from '../pipeline/referral-sink.js';
import { type Healer, healerSummary, startHealer } from '../../fault/healer.js';
import { reportGenerator } from '../pipeline/reports.js';

const RATE = 100;
const WAVE_EVERY_MINUTES = 5;
/** URLs reported again in each wave (all on the moved hosts). */
const WAVE_URLS = 200;
/** How long after its referral a hotline reports a case's content removed (30 s with --quick). */
const CLOSE_AFTER_MS = 5 * 60_000;
/** The most cases the hotlines close a second: a third above the rate referrals arrive (~3 URLs a report). */
const CLOSE_PER_SECOND = 400;
const NATS = 'nats-server';
/** The `relay audit --follow` beside the soak (`--soak-follow`), by its name in the per-minute CPU. */
const FOLLOWER = 'relay audit --follow';
/** The follower's window: the deployed default (deploy/), longer than its rounds' interval. */
const FOLLOW_SINCE = '30m';

/** One report the soak sent: its URLs and when. */
interface SoakSent {
  readonly minute: number;
  readonly reportId: string;
  readonly urls: readonly string[];
  readonly sentAt: number;
}

const urlsOf = (body: string): string[] => (JSON.parse(body) as { urls: string[] }).urls;
const onCountry = (url: string, country: string): boolean => new URL(url).hostname.endsWith(`.${country.toLowerCase()}.bench.example`);

interface Minute {
  rss: Record<string, number>;
  lag: number;
  /** The largest lag of each pipeline consumer. */
  lags: Record<string, number>;
  latencies: number[];
  /** Cases referred and not closed, at the minute's end. */
  open: number;
  /** CPU used in the minute by each service, nats-server and the bench itself, % of one core. */
  cpu: Record<string, number>;
}

/** Messages not yet delivered plus delivered and not acked, of each of the pipeline's consumers. */
async function hotLags(bus: Bus): Promise<Record<string, number>> {
  const lags: Record<string, number> = {};
  for (const c of PIPELINE_CONSUMERS) {
    const l = await consumerLag(bus, c.stream, c.durable);
    lags[c.durable] = (l?.pending ?? 0) + (l?.ackPending ?? 0);
  }
  return lags;
}

/**
 * Runs a step of the soak's end again when the broker was slow to answer (a JetStream API
 * request timing out on a busy machine): a 30-minute run must not be lost to one late reply.
 */
async function patiently<T>(what: string, step: () => Promise<T>, log: (line: string) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (attempt >= 5 || !isRetryable(err)) throw err;
      log(`${what}: ${String(err)}; trying again (${attempt}/4)`);
    }
  }
}

const mb = (bytes: number | undefined): string => `${((bytes ?? 0) / 1e6).toFixed(0)} MB`;

export const suite: BenchSuite = {
  name: 'soak',
  optIn: true,
  // A removal status sent while its case relocates names the superseded referral, or comes from the
  // hotline the case just left: refused, as for a real hotline.
  expectedDlqCodes: ['status-wrong-referral', 'status-not-routed-hotline'],
  async run(ctx) {
    const minutes = ctx.soakMinutes ?? (ctx.quick ? 3 : 30);
    const closeAfterMs = ctx.quick ? 30_000 : CLOSE_AFTER_MS;
    const waveEvery = ctx.quick ? 1 : WAVE_EVERY_MINUTES;
    const directory = loadDirectoryFile(DEV_DIRECTORY_FILE);
    const countries = [...new Set(directory.data.hotlines.map((h) => h.country))];
    const found = await findAddresses(countries);
    const hosts = benchHosts({ byCountry: found.byCountry, byCdn: new Map() }, 20);
    const dir = await mkdtemp(join(tmpdir(), 'relay-bench-soak-'));
    const zoneFile = join(dir, 'zone.json');
    const writeZone = async (list: readonly BenchHost[]): Promise<void> => {
      await writeFile(`${zoneFile}.tmp`, JSON.stringify(zoneOf(list)));
      await rename(`${zoneFile}.tmp`, zoneFile);
    };
    await writeZone(hosts);
    const services: ServiceProcess[] = [
      await ctx.startService('gateway', { RELAY_SOURCES_FILE: DEV_SOURCES_FILE, RELAY_RATE_LIMIT: '1000000' }),
      await ctx.startService('locator', { RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: zoneFile }),
      await ctx.startService('dispatcher', { RELAY_DIRECTORY_FILE: DEV_DIRECTORY_FILE, RELAY_RECHECK_INTERVAL: '1h' }),
    ];
    const follower: Healer | undefined =
      ctx.soakFollowEvery === undefined
        ? undefined
        : startHealer({ NATS_URL: ctx.natsUrl, RELAY_SIGNING_KEY_FILE: ctx.keys.signingKeyFile('operator-bench') }, { every: ctx.soakFollowEvery, since: FOLLOW_SINCE });
    const closer = startCaseCloser((hotline) => ctx.connectAs(`hotline-${hotline}`), closeAfterMs, CLOSE_PER_SECOND);
    const sink = await startReferralSink(ctx.natsUrl, 'bench-soak', (referral, at) => closer.referred(referral, at));
    const make = reportGenerator('soak', hosts);
    const perMinute: Minute[] = [];
    const sent: SoakSent[] = [];
    const since = new Date();
    const startedAt = Date.now();
    const minuteNow = (): number => Math.floor((Date.now() - startedAt) / 60_000);
    const bucket = (m: number): Minute => (perMinute[m] ??= { rss: {}, lag: 0, lags: {}, latencies: [], open: 0, cpu: {} });
    const sampler = setInterval(() => {
      const m = bucket(minuteNow());
      for (const s of services) m.rss[s.name] = Math.max(m.rss[s.name] ?? 0, s.rssBytes());
      m.rss[NATS] = Math.max(m.rss[NATS] ?? 0, processRssBytes(ctx.natsServerPid));
      m.open = closer.open();
      void hotLags(ctx.bus).then(
        (lags) => {
          m.lag = Math.max(m.lag, Object.values(lags).reduce((a, b) => a + b, 0));
          for (const [name, lag] of Object.entries(lags)) m.lags[name] = Math.max(m.lags[name] ?? 0, lag);
        },
        () => undefined,
      );
    }, 5_000);
    /** Submissions that got no answer in time (a receipt may still have been stored; the audit counts only receipts). */
    let unanswered = 0;
    const movedBy = new Map<string, string>();
    let waveNo = 0;
    let reReported = 0;
    /** URLs on moved hosts the waves reported again (each relocates its case, unless a recheck or the zone re-read came first). */
    let relocations = 0;
    const wave = async (): Promise<void> => {
      // The hosts of one country move to the next country's address; their URLs already sent are reported again.
      const byCountry = [...found.byCountry.entries()];
      const [from] = byCountry[waveNo % byCountry.length] ?? [];
      const [, toIp] = byCountry[(waveNo + 1) % byCountry.length] ?? [];
      waveNo++;
      if (from === undefined || toIp === undefined) return;
      const moved = hosts.map((h) => (h.country === from && !movedBy.has(h.name) ? { ...h, ip: toIp } : h));
      for (const h of moved) if (h.country === from) movedBy.set(h.name, toIp);
      await writeZone(moved.map((h) => ({ ...h, ip: movedBy.get(h.name) ?? h.ip })));
      const again = sent.filter((s) => s.urls.some((u) => onCountry(u, from))).slice(-WAVE_URLS);
      for (const s of again) {
        try {
          await submitReport(ctx.bus, EOKM_KEY, JSON.stringify({ sourceReportId: `soak-wave-${waveNo}-${s.reportId}`, urls: s.urls }));
        } catch (err) {
          if (!isRetryable(err)) throw err;
          unanswered++;
          continue;
        }
        reReported++;
        relocations += s.urls.filter((u) => onCountry(u, from)).length;
      }
      ctx.log(`wave ${waveNo}: ${from} hosts moved, ${again.length} reports of their URLs sent again`);
    };
    let next = 0;
    const firstReferrals = (s: SoakSent): readonly number[] => sink.deliveredFor(s.reportId).slice(0, s.urls.length);
    /** Each minute's figures as soon as its referrals are in, so a run cut short still shows its curve. */
    const logMinute = (m: number): void => {
      const at = perMinute[m];
      if (!at) return;
      const latencies = sent.filter((s) => s.minute === m).flatMap((s) => firstReferrals(s).map((t) => t - s.sentAt));
      const rss = [...services.map((s) => s.name), NATS].map((name) => `${name} ${mb(at.rss[name])}`).join(', ');
      const cpu = Object.entries(at.cpu).map(([name, pct]) => `${name} ${pct.toFixed(0)}%`).join(', ');
      ctx.log(`minute ${m + 1}: CPU ${cpu}; p99 ${percentiles(latencies, RATE).p99.toFixed(1)} ms over ${latencies.length} referrals, lag max ${at.lag} (${Object.entries(at.lags).map(([n, l]) => `${n} ${l}`).join(', ')}), cases open ${at.open}, RSS ${rss}`);
    };
    try {
      const cpuNow = (): Record<string, number> => ({
        ...Object.fromEntries(services.map((s) => [s.name, s.cpuSeconds()])),
        [NATS]: processCpuSeconds(ctx.natsServerPid),
        ...(follower ? { [FOLLOWER]: follower.cpuSeconds() } : {}),
        bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      });
      let cpuBefore = cpuNow();
      let minuteStarted = performance.now();
      for (let m = 0; m < minutes; m++) {
        if (m > 0 && m % waveEvery === 0) await wave();
        await paced(RATE, RATE * 60, async () => {
          const i = next++;
          const report = make(i);
          const sentAt = performance.timeOrigin + performance.now();
          try {
            const receipt = await submitReport(ctx.bus, EOKM_KEY, report.body);
            sent.push({ minute: m, reportId: receipt.reportId, urls: urlsOf(report.body), sentAt });
          } catch (err) {
            if (!isRetryable(err)) throw err;
            unanswered++;
          }
        });
        const cpuAfter = cpuNow();
        const seconds = (performance.now() - minuteStarted) / 1000;
        for (const [name, used] of Object.entries(cpuAfter)) bucket(m).cpu[name] = ((used - (cpuBefore[name] ?? 0)) / seconds) * 100;
        [cpuBefore, minuteStarted] = [cpuAfter, performance.now()];
        ctx.log(`minute ${m + 1}/${minutes}: ${next} reports, lag ${perMinute[m]?.lag ?? 0}`);
        if (m > 0) logMinute(m - 1);
      }
      const urls = sent.reduce((n, s) => n + s.urls.length, 0);
      // Each report's own referrals, then until none has come for 10 s: the waves' count is bookkeeping,
      // not a check (a re-report located before the locator re-read the zone relocates nothing, and
      // rechecks relocate more later), so waiting for it would wait out its timeout; the audit, which
      // reads every stream, is the judge.
      await sink.until(urls, ctx.quick ? 120_000 : 600_000).catch((err: unknown) => ctx.log(`referrals: ${String(err)}; the audit decides`));
      const quietSince = (): number => performance.timeOrigin + performance.now() - sink.lastAt();
      for (const started = performance.now(); quietSince() < 10_000 && performance.now() - started < 120_000; ) await sleep(1_000);
      logMinute(minutes - 1);
      // Referrals are out; notices and acks may still be on their way: audit only what is settled.
      await patiently('waiting for the pipeline to settle', () => settled(ctx.bus, 600_000), (line) => ctx.log(line));
    } finally {
      clearInterval(sampler);
      await closer.stop();
      await follower?.stop();
    }
    // A report's own referrals are its first deliveries; later ones for its cases are the waves' relocations.
    for (const s of sent) bucket(s.minute).latencies.push(...firstReferrals(s).map((at) => at - s.sentAt));
    if (closer.mute().size > 0) ctx.log(`hotlines that cannot report (their cases stay open): ${[...closer.mute().keys()].join(', ')}`);
    const auditStarted = performance.now();
    const audit = await patiently('relay audit', () => reconcile(ctx.bus, { since, receipts: sent.map((s) => s.reportId) }), (line) => ctx.log(line));
    // What one read of a `relay audit --follow` round over the whole soak costs, once the load has stopped.
    const auditSeconds = (performance.now() - auditStarted) / 1000;
    ctx.log(`relay audit: ${audit.reports} reports, ${audit.urls} URLs in ${auditSeconds.toFixed(1)} s`);
    await sink.close();
    const dlq = (await streamState(ctx.bus, StreamName.Dlq))?.messages ?? 0;
    // Every stored message of these streams carries a message id its window holds for a day (the windows suite's cost per id).
    const idsByStream: string[] = [];
    let dayIds = 0;
    for (const spec of STREAM_SPECS.filter((s) => s.duplicateWindowMs >= 24 * 3_600_000)) {
      const stored = (await streamState(ctx.bus, spec.name))?.lastSeq ?? 0;
      idsByStream.push(`${spec.name} ${stored}`);
      dayIds += stored;
    }
    ctx.log(`messages stored into day-long duplicate windows: ${idsByStream.join(', ')}`);
    await rm(dir, { recursive: true, force: true });
    if (audit.gaps.length > 0) {
      // What a reader needs to tell a real loss from a counting artefact, without the 30 minutes again.
      const byKind = new Map<string, number>();
      for (const g of audit.gaps) byKind.set(g.missing, (byKind.get(g.missing) ?? 0) + 1);
      ctx.log(`relay audit gaps by kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`);
      for (const g of audit.gaps.slice(0, 5)) ctx.log(`  gap: ${JSON.stringify(g)}`);
    }

    // Flat means the last minutes against the first minutes of steady state, with cases closing as
    // they open (before that, open cases and the store grow by design): two minutes after the first
    // closes. Windows of up to five minutes, each judged by its median minute, so one slow minute
    // (a wave, a burst of rechecks) neither passes nor fails the run.
    const steady = Math.min(Math.ceil(closeAfterMs / 60_000) + 2, Math.max(0, minutes - 2));
    const width = Math.max(1, Math.min(5, Math.floor((minutes - steady) / 2)));
    const early = perMinute.slice(steady, steady + width);
    const late = perMinute.slice(Math.max(steady + width, minutes - width), minutes);
    const span = (from: number, count: number): string => (count === 1 ? `minute ${from + 1}` : `minutes ${from + 1}-${from + count}`);
    const ref = span(steady, early.length);
    const end = span(minutes - late.length, late.length);
    const figures: Figure[] = [{ name: `minutes at ${RATE} reports/s, a relocation wave every ${waveEvery} min`, value: minutes, unit: 'min' }];
    if (follower) figures.push(...followerFigures(follower, perMinute, (line) => ctx.log(line)));
    if (early.length > 0 && late.length > 0) {
      const peak = (window: readonly Minute[], name: string): number => Math.max(...window.map((m) => m.rss[name] ?? 0)) / 1e6;
      for (const s of services) {
        const a = peak(early, s.name);
        const b = peak(late, s.name);
        figures.push({ name: `${s.name} peak RSS, ${end}`, value: b, unit: 'MB', target: `flat: <= 1.2x ${ref} (${a.toFixed(0)} MB)`, met: b <= a * 1.2 });
      }
      // No target: the streams keep every message (90 days to a year) and a day of message ids for
      // their duplicate windows, so the store's memory grows for a day at any steady rate.
      figures.push({ name: `${NATS} peak RSS, ${end} (${ref}: ${peak(early, NATS).toFixed(0)} MB; grows with a day's duplicate windows)`, value: peak(late, NATS), unit: 'MB' });
      const p99a = median(early.map((m) => percentiles(m.latencies, RATE).p99));
      const p99b = median(late.map((m) => percentiles(m.latencies, RATE).p99));
      figures.push({ name: `p99 submission -> referral, median minute of ${end}`, value: p99b, unit: 'ms', target: `flat: <= 2x ${ref} (${p99a.toFixed(1)} ms)`, met: p99b <= p99a * 2 });
      const lagA = median(early.map((m) => m.lag));
      const lagB = median(late.map((m) => m.lag));
      figures.push({ name: `services' consumer lag, median minute of ${end} (each minute's max)`, value: lagB, unit: 'msgs', target: `flat: <= max(100, 2x ${ref} (${lagA}))`, met: lagB <= Math.max(100, lagA * 2) });
    }
    figures.push(
      { name: 'submissions unanswered in time (not counted by the audit)', value: unanswered, unit: '' },
      { name: 'reports sent again in waves', value: reReported, unit: '' },
      { name: 'removal statuses sent by the hotlines (closing cases)', value: closer.closed(), unit: '' },
      { name: 'cases open at the end (referred, not closed)', value: closer.open(), unit: '' },
      { name: 'DLQ entries (a status crossing a relocation is refused there)', value: dlq, unit: '' },
      { name: 'messages stored into day-long duplicate windows, per second of load', value: dayIds / (minutes * 60), unit: 'ids/s' },
      { name: 'URLs on moved hosts reported again in the waves', value: relocations, unit: '' },
      { name: `relay audit of the soak's ${audit.reports} reports after the load, reports/s (what a --follow round reads)`, value: audit.reports / auditSeconds, unit: 'reports/s' },
      { name: 'relay audit: lost', value: audit.lost, unit: '', target: '0', met: audit.lost === 0 },
      { name: 'relay audit: duplicated', value: audit.duplicated, unit: '', target: '0', met: audit.duplicated === 0 },
    );
    return figures;
  },
};

/** What the follower's rounds under the load cost and found (`--soak-follow`). */
function followerFigures(follower: Healer, perMinute: readonly Minute[], log: (line: string) => void): Figure[] {
  log(healerSummary(follower));
  const rounds = follower.rounds();
  for (const r of rounds) log(`  round at ${r.at} (${r.trigger}): ${r.error ?? `lost ${r.lost ?? 0}, took ${((r.tookMs ?? 0) / 1000).toFixed(1)} s`}`);
  const finished = rounds.filter((r) => r.error === undefined);
  const cpu = perMinute.map((m) => m.cpu[FOLLOWER] ?? 0);
  return [
    { name: `relay audit --follow --since ${FOLLOW_SINCE} beside the load: rounds finished`, value: finished.length, unit: '' },
    { name: 'relay audit --follow: rounds failed (tried again 10 s later)', value: rounds.length - finished.length, unit: '' },
    { name: 'relay audit --follow: longest round', value: Math.max(0, ...finished.map((r) => r.tookMs ?? 0)) / 1000, unit: 's' },
    { name: 'relay audit --follow: its CPU, busiest minute, % of one core', value: Math.max(0, ...cpu), unit: '%' },
    { name: 'relay audit --follow: repair requests it sent', value: rounds.reduce((n, r) => n + (r.repair?.asked ?? 0), 0), unit: '' },
    { name: 'relay audit --follow: lost after its last round', value: finished.at(-1)?.lost ?? 0, unit: '' },
  ];
}
