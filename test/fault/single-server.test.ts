// The fault suite on one nats-server (issue 8, item 3): the pipeline under a
// steady HTTP load of CyberTipline reports and, one at a time, a SIGKILL and
// restart of each service and of nats-server itself (same store). After each,
// reconciliation accounts for every 202 receipt: 0 lost, 0 duplicated.
// Then overload (issue 21, item 3): ten times the pipeline's capacity; the
// gateway sheds, every 202 is routed, each service stays under its memory target.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bus } from '@relay/bus';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, serviceAccountEnv, type TestAccounts } from '../e2e/harness/accounts.js';
import { devZone, writeZone } from '../e2e/harness/intake.js';
import { type Pipeline, ServiceName, startPipeline } from '../e2e/harness/pipeline.js';
import { startFlood } from './flood.js';
import { LONG } from './long.js';
import { type FaultRow, faultTable, judge, runFault } from './verdict.js';

const REPORTS_PER_FAULT = 1_500;
const PER_SECOND = 150;
/** Reports per second the pipeline routes here (docs/performance.md, quick pipeline bench: ~290/s). */
const CAPACITY_PER_SECOND = 300;
/** The minute of overload with `--long`; CI's run floods for 15 s. */
const OVERLOAD_MS = LONG ? 60_000 : 15_000;
/** Each service's RSS target (docs/performance.md). */
const RSS_TARGET_BYTES = 150 * 1024 * 1024;

let server: NatsServer;
let accounts: TestAccounts;
let dir: string;
let pipeline: Pipeline;
let bus: Bus;
const rows: FaultRow[] = [];

// As production runs it: the generated accounts, the admin identity provisions, every service runs as
// its own user and signs, and the reconciliation reads as an operator.
beforeAll(async () => {
  accounts = await makeTestAccounts();
  server = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
  await provisionAsAdmin(accounts, server.url);
  dir = await mkdtemp(join(tmpdir(), 'relay-fault-'));
  await writeZone(join(dir, 'zone.json'), devZone());
  pipeline = await startPipeline({ natsUrl: server.url, zoneFile: join(dir, 'zone.json'), serviceEnv: serviceAccountEnv(accounts, server.url) });
  bus = await accounts.busAs('operator-alice', server.url);
});

afterAll(async () => {
  console.log(faultTable(`Fault suite, one nats-server (${REPORTS_PER_FAULT} reports per fault at ${PER_SECOND}/s over HTTP)`, rows));
  await bus?.close();
  await pipeline?.stop();
  await server?.dispose();
  await accounts?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const phase = (fault: string, inject: () => Promise<void>): Promise<void> =>
  runFault({ bus, pipeline, fault, reports: REPORTS_PER_FAULT, perSecond: PER_SECOND, inject, record: (row) => rows.push(row) });

describe('the pipeline under steady load on one nats-server', () => {
  it('accounts for every report without a fault', async () => {
    await phase('none', () => Promise.resolve());
  });

  it.each([ServiceName.Gateway, ServiceName.Locator, ServiceName.Dispatcher])('loses and duplicates nothing when the %s is SIGKILLed and restarted', async (name) => {
    await phase(`sigkill-${name}`, () => pipeline.restart(name));
  });

  it('loses and duplicates nothing when nats-server is SIGKILLed and restarted on the same store', async () => {
    await phase('sigkill-nats-server', async () => {
      await server.kill();
      await server.restart();
    });
  });

  it('sheds ten times its capacity with 503 and Retry-After, routes every report that got a 202, and stays under its memory targets', async () => {
    const since = new Date();
    const watch = Object.fromEntries([ServiceName.Gateway, ServiceName.Locator, ServiceName.Dispatcher].map((n) => [n, pipeline.copies(n)[0]] as const).filter((e): e is [ServiceName, NonNullable<(typeof e)[1]>] => e[1] !== undefined));
    const flood = startFlood({ prefix: 'overload-10x', perSecond: 10 * CAPACITY_PER_SECOND, durationMs: OVERLOAD_MS, gatewayUrl: () => pipeline.gatewayUrl(), watch });
    const judged = await judge(bus, 'overload-10x', since, flood);
    const audit = judged.audit;
    // A report whose sender got no 202 (a 503 `unavailable` after the ack wait, or no answer) may
    // still be stored: it is routed like any other, and the sender's resend is idempotent. So the
    // referrals and notices expected are those of every stored report, and every 202 is among them.
    const row = { ...judged.row, referralsExpected: audit.reports, noticesExpected: audit.reports };
    rows.push(row);
    const seconds = OVERLOAD_MS / 1000;
    console.log(
      `overload: offered ${flood.offered()} reports in ${seconds} s (${Math.round(flood.offered() / seconds)}/s, target ${10 * CAPACITY_PER_SECOND}/s), ` +
        `accepted ${row.accepted}, shed ${row.shed}, other answers ${JSON.stringify(flood.failures())}, stored ${audit.reports}; peak RSS MB ` +
        Object.entries(flood.peakRss()).map(([n, b]) => `${n} ${(b / 1024 / 1024).toFixed(0)}`).join(', '),
    );
    expect(row.accepted).toBeGreaterThan(0);
    expect(row.shed).toBeGreaterThan(0);
    // Every 202 is stored (no gap), every stored report is routed, once.
    expect(audit.gaps).toEqual([]);
    expect(audit.duplicates).toEqual([]);
    expect(audit.reports).toBeGreaterThanOrEqual(row.accepted);
    expect(audit.accounted.routed).toBe(audit.reports);
    expect(row).toMatchObject({ lost: 0, duplicated: 0, referralsFound: row.referralsExpected, noticesFound: row.noticesExpected });
    for (const [name, peak] of Object.entries(flood.peakRss())) expect(peak, `${name} peak RSS`).toBeLessThan(RSS_TARGET_BYTES);
  });
});
