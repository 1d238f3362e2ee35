// `relay reroute` at the scale of a year of NCMEC history: N open routed
// cases in KV (the dispatcher's own case format), one country's hotline
// renamed, and the built CLI re-routing them with a dispatcher running.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bus, openJsonBucket, readStream, streamState } from '@relay/bus';
import { type Directory, loadDirectoryFile, publishDirectory } from '@relay/directory';
import { type CaseState, decideObservation, nextRecheckAt } from '@relay/dispatcher';
import { waitFor } from '@relay/testkit';
import { DEV_DIRECTORY_FILE } from '@relay/testing';
import {
  decodeMessage,
  deriveId,
  exampleMessage,
  Header,
  type HostingObservation,
  HostingStatus,
  KvBucket,
  NoticeKind,
  RelayType,
  RoutingReason,
  StreamName,
} from '@relay/wire';
import type { BenchContext, BenchSuite, Figure } from '../harness.js';
import { BENCH_OPERATOR } from '../keys.js';
import { auditRechecked, recheckAnswer } from './rechecked-audit.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = `${REPO}services/cli/dist/main.js`;
const DAY = 86_400_000;
/** A year of NCMEC reports (the sizing). */
const YEAR_OF_REPORTS = 36_000_000;
const TARGET_MS = 2 * 3_600_000;
/** The hotline renamed by the changed directory, as in decision 0063's example. */
const RENAMED = { from: 'eokm', to: 'offlimits' } as const;
/** Long enough that the dispatcher's recheck scheduler stays quiet during the run. */
const RECHECK_INTERVAL = '30d';

/** ~50 hosting countries: every country of the dev directory with a hotline, and two without (fallback). */
function hostingCountries(): string[] {
  const file = JSON.parse(readFileSync(DEV_DIRECTORY_FILE, 'utf8')) as { hotlines: { country: string }[] };
  return [...new Set(file.hotlines.map((h) => h.country)), 'SC', 'PA'];
}

const base = exampleMessage(RelayType.HostingObservation);
const baseReport = base.cause?.cause?.$case === 'report' ? base.cause.cause.value : undefined;

/** The locator's observation of the i-th reported URL, hosted in `country`, resolved at `at`. */
function observation(i: number, country: string, at: number): HostingObservation {
  const host = `site${i}.example.com`;
  const url = `http://${host}/gallery/${i % 977}`;
  const reportId = deriveId('rpt', 'ncmec', url);
  const asn = 64_512 + (country.charCodeAt(0) - 65) * 26 + (country.charCodeAt(1) - 65);
  const ip = `45.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
  const asOrganisation = `Hosting ${country} Ltd`;
  return {
    ...base,
    id: deriveId('obs', url, reportId),
    url,
    normalizedUrl: url,
    host,
    registrableDomain: 'example.com',
    addresses: [{ ip, country, countrySecondary: country, asn, asOrganisation, cdn: '', unroutable: false }],
    country,
    asn,
    asOrganisation,
    cdn: '',
    status: HostingStatus.HOSTING_STATUS_LOCATED,
    resolvedAt: new Date(at),
    cause: { cause: { $case: 'report', value: { ...baseReport!, source: 'ncmec', reportId, sourceReportId: String(171_000_000 + i), receivedAt: new Date(at) } } },
  };
}

/**
 * Writes N cases as the dispatcher would have opened them (its own pure
 * decision on a report observation, under revision `revision` of `directory`),
 * 512 puts in flight. Returns the ids of the cases routed to the renamed hotline.
 */
async function seedCases(ctx: BenchContext, n: number, directory: Directory, revision: number): Promise<Set<string>> {
  const countries = hostingCountries();
  const bucket = await openJsonBucket<CaseState>(ctx.bus, KvBucket.Cases);
  const moving = new Set<string>();
  const now = Date.now();
  const recheckIntervalMs = 30 * DAY;
  let next = 0;
  let lastLog = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      // Reported over the past year, spread evenly over the countries.
      const at = now - 365 * DAY + Math.floor((i / n) * 365 * DAY);
      const o = observation(i, countries[i % countries.length]!, at);
      const t = decideObservation(undefined, o, { directory, directoryRevision: revision, now: at, recheckIntervalMs });
      if (!t?.next.routing) throw new Error(`case ${i} in ${o.country} was not routed`);
      if (t.next.routing.hotline === RENAMED.from) moving.add(t.next.id);
      // Rechecked on schedule since it opened: its next recheck is within one interval from now.
      await bucket.put(t.next.id, { ...t.next, recheck: { seq: 0, nextAt: nextRecheckAt(t.next.id, now, recheckIntervalMs) } });
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        ctx.log(`seeded ${next} of ${n} cases`);
      }
    }
  };
  await Promise.all(Array.from({ length: 512 }, worker));
  return moving;
}

/** What one run of the built CLI did: its output, exit code, wall time and peak RSS (VmHWM, sampled). */
interface CliRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly ms: number;
  readonly peakRssBytes: number;
}

function runCli(ctx: BenchContext, args: readonly string[]): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    // Signs its re-route observations as an operator the directory lists: the dispatcher refuses them otherwise (decision 0111).
    env: { ...process.env, NATS_URL: ctx.natsUrl, NATS_CLIENT_NAME: 'bench-operator', RELAY_SIGNING_KEY_FILE: ctx.keys.signingKeyFile(BENCH_OPERATOR) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  let peak = 0;
  const sample = (): void => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // Gone between samples: the last sample stands.
    }
  };
  const timer = setInterval(sample, 100);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(timer);
      resolve({ code, out, err, ms: performance.now() - started, peakRssBytes: peak });
    });
  });
}

/** The relay's open-case gauge of a service's /metrics: how many cases it has scheduled (its own writes and its reads of the case bucket, decision 0141). */
async function openCasesSeen(opsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  const m = /^relay_open_cases(?:\{[^}]*\})?\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Stream time of the last message of a stream, ms. */
async function lastMessageTime(bus: Bus, stream: StreamName): Promise<number | undefined> {
  const state = await streamState(bus, stream);
  if (!state || state.messages === 0) return undefined;
  for await (const m of readStream(bus, { stream, startSeq: state.lastSeq })) return m.time.getTime();
  return undefined;
}

export const suite: BenchSuite = {
  name: 'reroute',
  async run(ctx) {
    const figures: Figure[] = [];
    const n = ctx.quick ? 100_000 : 1_000_000;
    const before = loadDirectoryFile(DEV_DIRECTORY_FILE);
    const revision = await publishDirectory(ctx.bus, ctx.keys.signed(before.file));
    ctx.log(`seeding ${n} open routed cases over ${hostingCountries().length} countries`);
    let started = performance.now();
    const moving = await seedCases(ctx, n, before, revision);
    const seedSeconds = (performance.now() - started) / 1000;
    ctx.log(`seeded ${n} cases in ${seedSeconds.toFixed(1)} s (${Math.round(n / seedSeconds)}/s); ${moving.size} routed to ${RENAMED.from}`);
    figures.push({ name: 'seeding (not part of the figures below)', value: n / seedSeconds, unit: 'cases/s' });

    // The changed directory: one hotline renamed, everything else as it was.
    const changedFile = structuredClone(before.file);
    const entry = changedFile.hotlines.find((h) => h.id === RENAMED.from);
    if (!entry) throw new Error(`the dev directory has no ${RENAMED.from}`);
    entry.id = RENAMED.to;
    // Signed by the pinned directory key, as `relay directory sign` + `apply` store it.
    const newRevision = await publishDirectory(ctx.bus, ctx.keys.signed(changedFile));
    const dir = await mkdtemp(join(tmpdir(), 'relay-bench-reroute-'));
    try {
      const file = join(dir, 'directory.json');
      await writeFile(file, JSON.stringify(changedFile));
      const dispatcher = await ctx.startService('dispatcher', { RELAY_DIRECTORY_FILE: file, RELAY_RECHECK_INTERVAL: RECHECK_INTERVAL, LOG_LEVEL: 'warn' });
      // A dispatcher in production has long loaded its cases; its start-up pass is not part of the reroute.
      await waitFor(async () => (await openCasesSeen(dispatcher.opsPort)) >= n, { timeoutMs: 900_000, intervalMs: 500, what: 'the dispatcher to take in every case' });
      ctx.log('dispatcher running with every case indexed; rerouting');

      started = Date.now();
      const run = await runCli(ctx, ['reroute', '--reason', `bench: ${RENAMED.from} renamed ${RENAMED.to}`, '--wait', '120s', '--json']);
      if (run.code !== 0) throw new Error(`relay reroute exited ${run.code}: ${run.err.slice(-2000)}`);
      const result = JSON.parse(run.out) as { directoryRevision: number; evaluated: number; unchanged: number; rerouted: { caseId: string; referralId: string }[]; pending: unknown[] };
      const audited = await lastMessageTime(ctx.bus, StreamName.Audit);
      const published = await lastMessageTime(ctx.bus, StreamName.Hosting);
      const decided = await lastMessageTime(ctx.bus, StreamName.Referrals);
      ctx.log(`reroute took ${(run.ms / 1000).toFixed(1)} s: ${result.evaluated} evaluated, ${result.rerouted.length} rerouted, ${result.pending.length} pending`);

      // Nothing lost, nothing twice: every moved case has exactly one REROUTED referral to the new hotline.
      if (result.directoryRevision !== newRevision) throw new Error(`reroute used revision ${result.directoryRevision}, expected ${newRevision}`);
      // The dispatcher's recheck claims may write a case while it is read: it then counts twice (decision 0065).
      if (result.evaluated < n) throw new Error(`reroute evaluated ${result.evaluated} cases, expected ${n}`);
      const rerouted = new Set(result.rerouted.map((r) => r.caseId));
      if (rerouted.size !== moving.size || [...moving].some((id) => !rerouted.has(id))) {
        throw new Error(`reroute moved ${rerouted.size} cases, expected exactly the ${moving.size} routed to ${RENAMED.from}`);
      }
      const referrals = new Map<string, number>();
      let movedOut = 0;
      for await (const m of readStream(ctx.bus, { stream: StreamName.Referrals })) {
        const r = decodeMessage(RelayType.Referral, m.data);
        if (r.reason !== RoutingReason.ROUTING_REASON_REROUTED || r.hotline !== RENAMED.to) throw new Error(`unexpected referral ${r.id} to ${r.hotline} (reason ${r.reason})`);
        referrals.set(r.caseId, (referrals.get(r.caseId) ?? 0) + 1);
      }
      for await (const m of readStream(ctx.bus, { stream: StreamName.Notices })) {
        if (m.headers[Header.Type] === RelayType.Notice && decodeMessage(RelayType.Notice, m.data).kind === NoticeKind.NOTICE_KIND_CASE_MOVED_OUT) movedOut++;
      }
      const issued = [...referrals.values()].reduce((a, b) => a + b, 0);
      if (referrals.size !== moving.size || issued !== moving.size || [...moving].some((id) => referrals.get(id) !== 1)) {
        throw new Error(`${issued} referrals for ${referrals.size} cases were issued, expected one each for ${moving.size}`);
      }
      if (movedOut !== moving.size) throw new Error(`${movedOut} case-moved-out notices, expected ${moving.size}`);

      const seconds = run.ms / 1000;
      const findSeconds = audited === undefined ? Number.NaN : (audited - started) / 1000;
      const projectedMs = (run.ms * YEAR_OF_REPORTS) / n;
      figures.push({ name: `cases evaluated (to the audit record, incl. CLI start-up), N = ${n}`, value: n / findSeconds, unit: '/s' });
      figures.push({ name: `time to the audit record (connect, read, evaluate)`, value: findSeconds, unit: 's' });
      if (published !== undefined) figures.push({ name: 'time to the last re-route observation published', value: (published - started) / 1000, unit: 's' });
      if (audited !== undefined && decided !== undefined) {
        figures.push({ name: 'dispatcher re-decisions after the audit record (the pace past it)', value: moving.size / ((decided - audited) / 1000), unit: '/s' });
      }
      figures.push({ name: `reroute total, N = ${n} (until every moved case re-decided)`, value: seconds, unit: 's' });
      figures.push({
        name: 'reroute total projected to 36 M cases',
        value: projectedMs / 60_000,
        unit: 'min',
        target: '< 2 h',
        met: projectedMs < TARGET_MS,
      });
      figures.push({ name: 'cases rerouted', value: rerouted.size, unit: 'cases', target: `= ${moving.size} (routed to ${RENAMED.from})`, met: rerouted.size === moving.size });
      figures.push({ name: 'REROUTED referrals issued', value: issued, unit: 'referrals', target: `= ${moving.size}, one per case`, met: issued === moving.size });
      figures.push({ name: 'peak RSS of the reroute process', value: run.peakRssBytes / 2 ** 20, unit: 'MiB' });
      figures.push({ name: 'dispatcher RSS after the reroute', value: dispatcher.rssBytes() / 2 ** 20, unit: 'MiB' });

      // The same open cases, each rechecked and found where it was: what a follower round reads of them.
      await dispatcher.kill();
      const countries = hostingCountries();
      const now = Date.now();
      figures.push(...(await auditRechecked(ctx, n, (i) => recheckAnswer(observation(i, countries[i % countries.length]!, now), now))));
      return figures;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
