// The fault suite on one nats-server (issue 8, item 3): the pipeline under a
// steady HTTP load of CyberTipline reports and, one at a time, a SIGKILL and
// restart of each service and of nats-server itself (same store). After each,
// reconciliation accounts for every 202 receipt: 0 lost, 0 duplicated.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bus } from '@relay/bus';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, serviceAccountEnv, type TestAccounts } from '../e2e/harness/accounts.js';
import { devZone, writeZone } from '../e2e/harness/intake.js';
import { type Pipeline, ServiceName, startPipeline } from '../e2e/harness/pipeline.js';
import { type FaultRow, faultTable, runFault } from './verdict.js';

const REPORTS_PER_FAULT = 1_500;
const PER_SECOND = 150;

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
});
