// Issue 8, item 2: two copies of each service on the same durable consumers
// (and the gateway's NATS intake queue group) share a load of a few thousand
// reports; reconciliation finds none lost and none duplicated.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bus } from '@relay/bus';
import { reconcile } from '@relay/cli';
import { ReportFormat, submitReport } from '@relay/client';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cyberTiplineXml, devZone, writeZone } from './harness/intake.js';
import { makeTestAccounts, provisionAsAdmin, serviceAccountEnv, type TestAccounts } from './harness/accounts.js';
import { counterValue, DEMO_KEYS, type Pipeline, ServiceName, startPipeline } from './harness/pipeline.js';
import { settled } from './harness/settle.js';

const REPORTS = 3_000;
const IN_FLIGHT = 32;

let server: NatsServer;
let dir: string;
let pipeline: Pipeline;
let bus: Bus;
let ncmec: Bus;
let accounts: TestAccounts;

beforeAll(async () => {
  // The generated accounts, as production: NCMEC submits as its own user, the audit reads as an operator.
  accounts = await makeTestAccounts();
  server = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
  await provisionAsAdmin(accounts, server.url);
  dir = await mkdtemp(join(tmpdir(), 'relay-scale-'));
  await writeZone(join(dir, 'zone.json'), devZone());
  pipeline = await startPipeline({ natsUrl: server.url, zoneFile: join(dir, 'zone.json'), copies: 2, serviceEnv: serviceAccountEnv(accounts, server.url) });
  bus = await accounts.busAs('operator-alice', server.url);
  ncmec = await accounts.busAs('hotline-ncmec', server.url);
});

afterAll(async () => {
  await bus?.close();
  await ncmec?.close();
  await pipeline?.stop();
  await server?.dispose();
  await accounts?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Each copy's count of a counter, in copy order. */
async function shares(name: ServiceName, metric: string, labels: Record<string, string>): Promise<number[]> {
  return Promise.all(pipeline.copies(name).map((p) => counterValue(p, metric, labels)));
}

describe('two copies of each service', () => {
  it('share thousands of reports and lose or duplicate none', async () => {
    const receipts: string[] = [];
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < REPORTS) {
        const i = next++;
        // Dutch and German hosters alternate, so both countries' routes are exercised.
        const url = i % 2 === 0 ? `http://images.example.nl/scale/${i}` : `http://gallery.example.de/scale/${i}`;
        const receipt = await submitReport(ncmec, DEMO_KEYS.ncmec, cyberTiplineXml(`SCALE-${i}`, [url]), ReportFormat.CyberTipline);
        receipts.push(receipt.reportId);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
    expect(new Set(receipts).size).toBe(REPORTS);
    await settled(bus, 300_000);

    const gateways = await shares(ServiceName.Gateway, 'relay_intake_reports_total', { outcome: 'stored' });
    const locators = await shares(ServiceName.Locator, 'relay_handled_total', { consumer: 'REPORTS/locator-reports', outcome: 'ack' });
    const dispatchers = await shares(ServiceName.Dispatcher, 'relay_handled_total', { consumer: 'HOSTING/dispatcher-hosting', outcome: 'ack' });
    console.log(`shares of ${REPORTS} reports: gateways ${gateways.join(' + ')}, locators ${locators.join(' + ')}, dispatchers ${dispatchers.join(' + ')}`);
    for (const share of [...gateways, ...locators, ...dispatchers]) expect(share).toBeGreaterThan(0);
    expect(gateways.reduce((a, b) => a + b)).toBe(REPORTS);
    expect(locators.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(REPORTS);
    expect(dispatchers.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(REPORTS);

    const audit = await reconcile(bus, { receipts });
    expect(audit).toMatchObject({ reports: REPORTS, urls: REPORTS, referrals: REPORTS, notices: REPORTS, lost: 0, duplicated: 0 });
    expect(audit.accounted.routed).toBe(REPORTS);
    expect(audit.gaps).toEqual([]);
  });
});
