// The dispatcher's throughput as a process (new cases routed, recheck answers
// absorbed) and the cost of its recheck scheduler for a million open cases.
import { type Bus, consumerLag, publishMessage, streamState } from '@relay/bus';
import { runDispatcher, createManualClock, createRecheckIndex, Durable } from '@relay/dispatcher';
import { waitFor } from '@relay/testkit';
import { deriveId, exampleMessage, type HostingObservation, RelayType, StreamName, subjects } from '@relay/wire';
import { DEV_DIRECTORY_FILE } from '@relay/testing';
import type { BenchSuite, Figure } from '../harness.js';
import { versus } from '../harness.js';

const MINUTE = 60_000;
const base = exampleMessage(RelayType.HostingObservation);
const HOSTS = [
  { country: 'NL', asn: 43350, asOrganisation: 'NForce Entertainment B.V.' },
  { country: 'DE', asn: 24940, asOrganisation: 'Hetzner Online GmbH' },
];

function observationFor(i: number, cause: HostingObservation['cause'], resolvedAt: number): HostingObservation {
  const url = `http://bench${i}.example.org/p`;
  const host = HOSTS[i % HOSTS.length]!;
  const causeId = cause?.cause?.$case === 'report' ? cause.cause.value.reportId : cause?.cause?.$case === 'recheck' ? cause.cause.value.recheckId : '';
  return { ...base, ...host, id: deriveId('obs', url, causeId), url, normalizedUrl: url, host: `bench${i}.example.org`, resolvedAt: new Date(resolvedAt), cause };
}

async function publishAll(bus: Bus, messages: readonly HostingObservation[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < messages.length) {
      const o = messages[next++]!;
      await publishMessage(bus, subjects.hosting(o.country), RelayType.HostingObservation, o, { msgId: `locator:${o.id}`, origin: 'locator' });
    }
  };
  await Promise.all(Array.from({ length: 256 }, worker));
}

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  await waitFor(probe, { timeoutMs: 600_000, intervalMs: 50, what });
}

export const suite: BenchSuite = {
  name: 'dispatcher',
  async run(ctx) {
    const figures: Figure[] = [];
    const n = ctx.quick ? 3_000 : 20_000;
    const t0 = Date.now() - 10 * MINUTE;
    const reports = Array.from({ length: n }, (_, i) =>
      observationFor(i, { cause: { $case: 'report', value: { ...(base.cause?.cause?.$case === 'report' ? base.cause.cause.value : ({} as never)), reportId: `rpt_b${i}`, source: 'ncmec' } } }, t0),
    );
    // Published as the locator publishes them: signed with its key, which the dispatcher verifies.
    const locator = await ctx.connectAs('locator');
    ctx.log(`publishing ${n} report observations`);
    await publishAll(locator, reports);

    // New cases: read case, create by compare-and-set, publish referral + police notice (the outbox stays until the next write, decision 0140).
    // Timed from the spawn: the process's start-up (about a second) is part of the figure.
    let started = performance.now();
    const env = { RELAY_DIRECTORY_FILE: DEV_DIRECTORY_FILE, RELAY_RECHECK_INTERVAL: '15m', LOG_LEVEL: 'warn' };
    // Cache every case: in production an answer follows its claim within ms, so its case is cached.
    let svc = await ctx.startService('dispatcher', { ...env, RELAY_DISPATCHER_CACHE_SIZE: String(n) });
    const cpu0 = svc.cpuSeconds();
    const routedAtReady = (await streamState(ctx.bus, StreamName.Referrals))?.messages ?? 0;
    const ready = performance.now();
    await until(async () => ((await streamState(ctx.bus, StreamName.Referrals))?.messages ?? 0) >= n, 'every referral');
    let seconds = (performance.now() - started) / 1000;
    figures.push(versus('new cases routed (referral + notice each), process, incl. start-up', n / seconds, '/s', 'raw publish', ctx.baseline.publishPerSec));
    figures.push(versus('new cases routed, process, once ready', (n - routedAtReady) / ((performance.now() - ready) / 1000), '/s', 'raw publish', ctx.baseline.publishPerSec));
    figures.push({ name: 'dispatcher CPU per new case (after ready)', value: ((svc.cpuSeconds() - cpu0) / (n - routedAtReady)) * 1e6, unit: 'us' });
    ctx.log(`routed ${n} new cases in ${seconds.toFixed(1)} s`);

    // Recheck answers that change nothing: the steady state of a million open cases.
    const answerRound = async (round: number, label: string): Promise<void> => {
      const answers = reports.map((_, i) =>
        observationFor(i, { cause: { $case: 'recheck', value: { recheckId: `rck_b${round}_${i}`, caseId: deriveId('case', `http://bench${i}.example.org/p`), reason: 1 } } }, t0 + round * MINUTE),
      );
      // Timed from the first publish: the running dispatcher absorbs answers while they are published.
      const began = performance.now();
      const cpu = svc.cpuSeconds();
      await publishAll(locator, answers);
      await until(async () => {
        const lag = await consumerLag(ctx.bus, StreamName.Hosting, Durable.Hosting);
        return lag !== undefined && lag.pending === 0 && lag.ackPending === 0;
      }, 'recheck answers to drain');
      const took = (performance.now() - began) / 1000;
      figures.push(versus(`unchanged recheck answers absorbed, ${label}`, n / took, '/s', 'raw consume', ctx.baseline.consumePerSec));
      figures.push({ name: `dispatcher CPU per unchanged answer, ${label}`, value: ((svc.cpuSeconds() - cpu) / n) * 1e6, unit: 'us' });
    };
    await answerRound(1, 'case cached');
    figures.push({ name: `dispatcher RSS with ${n} cases cached`, value: svc.rssBytes() / 2 ** 20, unit: 'MiB' });
    await svc.stop();
    // A fresh process has nothing cached: every answer reads its case from KV.
    svc = await ctx.startService('dispatcher', env);
    await answerRound(2, 'case read from KV');
    await svc.stop();

    // Recheck claims (read case, compare-and-set, publish RecheckRequest) in process, all due at once.
    const clock = createManualClock(Date.now());
    // As the process runs it: signing what it publishes, following only a directory signed by the pinned key.
    const dispatcher = await runDispatcher({
      bus: await ctx.connectAs('dispatcher'),
      settings: { recheckIntervalMs: 15 * MINUTE, tickMs: 3_600_000 },
      clock,
      directoryKey: ctx.keys.directoryKey,
    });
    await until(async () => Promise.resolve(dispatcher.stats().scheduled >= n), 'the case index to fill');
    await dispatcher.tick();
    clock.advance(15 * MINUTE);
    started = performance.now();
    const report = await dispatcher.tick();
    seconds = (performance.now() - started) / 1000;
    await dispatcher.stop();
    const claimRate = report.rechecked / seconds;
    const needed = 1e6 / (15 * 60);
    figures.push({ name: 'recheck claims/s (get + CAS + publish), in process', value: claimRate, unit: '/s', target: `>= ${Math.round(needed)}/s (1 M cases / 15 min)`, met: claimRate >= needed });

    // The index itself for a million open cases.
    const million = ctx.quick ? 200_000 : 1_000_000;
    const ids = Array.from({ length: million }, (_, i) => deriveId('case', `http://m${i}.example/`));
    started = performance.now();
    const index = createRecheckIndex(15 * MINUTE);
    for (const id of ids) index.add(id);
    const addMs = performance.now() - started;
    let worst = 0;
    let yielded = 0;
    const t = Date.now();
    index.due(t);
    started = performance.now();
    for (let at = t + 250; at <= t + 15 * MINUTE; at += 250) {
      const s = performance.now();
      yielded += index.due(at).length;
      worst = Math.max(worst, performance.now() - s);
    }
    const passMs = performance.now() - started;
    const scale = 1_000_000 / million;
    figures.push({ name: `recheck index memory for 1 M open cases${scale > 1 ? ' (scaled)' : ''}`, value: (index.memoryBytes() * scale) / 2 ** 20, unit: 'MiB' });
    figures.push({ name: 'recheck index: add 1 M cases', value: addMs * scale, unit: 'ms' });
    figures.push({ name: 'recheck index: one 15 min interval of 250 ms ticks, CPU', value: passMs * scale, unit: 'ms' });
    figures.push({ name: 'recheck index: slowest tick', value: worst * scale, unit: 'ms' });
    figures.push({ name: 'recheck index: cases yielded per interval', value: yielded * scale, unit: 'cases', target: '= 1,000,000 (each once)', met: yielded === million });
    return figures;
  },
};
