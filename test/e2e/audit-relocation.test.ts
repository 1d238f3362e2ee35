// `relay audit` judges a case a recheck relocated even when no report in its
// scope names the URL (decision 0161): the site moves, the dispatcher refers
// the case to the new country, and an audit of the time since finds it
// accounted for; once the new country's referral is gone from REFERRALS (as
// nats-server 2.9.10 can lose an acknowledged write when a leader is cut off),
// the same audit names the case.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type Bus, busConfigFromEnv, connectBus } from '@relay/bus';
import { caseIdOf } from '@relay/cases';
import { reconcile } from '@relay/cli';
import { readAll } from '@relay/testing';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { RelayType, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, serviceSigningEnv, type TestAccounts } from './harness/accounts.js';
import { cyberTiplineXml, devZone, postReport, writeZone, type ZoneRecord } from './harness/intake.js';
import { DEMO_KEYS, type Pipeline, startPipeline } from './harness/pipeline.js';

const HOST = 'moving-audit.example.nl';
const URL = `http://${HOST}/gallery/1`;
const GERMAN_HOSTER: ZoneRecord = { a: ['5.9.0.1'] }; // Hetzner, DE

let server: NatsServer;
let dir: string;
let zoneFile: string;
let pipeline: Pipeline;
let accounts: TestAccounts;
let bus: Bus;

beforeAll(async () => {
  server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
  dir = await mkdtemp(join(tmpdir(), 'relay-audit-relocation-'));
  zoneFile = join(dir, 'zone.json');
  await writeZone(zoneFile, { ...devZone(), [HOST]: { a: ['185.107.56.1'] } }); // NForce, NL
  accounts = await makeTestAccounts();
  // Rechecks every 2 s: the move is found without a new report.
  pipeline = await startPipeline({ natsUrl: server.url, zoneFile, recheckInterval: '2s', serviceEnv: serviceSigningEnv(accounts) });
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'audit-relocation-test'));
});

afterAll(async () => {
  await bus?.close();
  await pipeline?.stop();
  await server?.dispose();
  await accounts?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The case's referrals in REFERRALS, oldest first. */
async function referralsOf(caseId: string) {
  return (await readAll(bus, StreamName.Referrals, RelayType.Referral, 'relay.referral.>')).filter((m) => m.message.caseId === caseId);
}

describe('relay audit of a relocation no report in its scope names', () => {
  it('accounts for the case a recheck moved to Germany, and names it once its new referral is gone', async () => {
    const caseId = caseIdOf(URL);
    const r = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.ncmec, cyberTiplineXml('9400001', [URL]), 'application/xml');
    expect(r.ok).toBe(true);
    await waitFor(async () => (await referralsOf(caseId)).length === 1, { timeoutMs: 30_000, what: 'the referral to eokm' });

    // After the report: an audit from here has no report in scope.
    const since = new Date();
    await writeZone(zoneFile, { ...devZone(), [HOST]: GERMAN_HOSTER });
    const moved = await waitFor(async () => (await referralsOf(caseId)).find((m) => m.message.jurisdiction === 'DE'), { timeoutMs: 30_000, what: 'the referral to the German hotline' });

    const clean = await reconcile(bus, { since });
    expect(clean).toMatchObject({ reports: 0, lost: 0, gaps: [] });
    expect(clean.rechecked.cases).toBe(1);

    // The server drops the new country's referral after acknowledging it (here: deleted by hand).
    const nc = await connect({ servers: server.url });
    try {
      await (await jetstreamManager(nc)).streams.deleteMessage(StreamName.Referrals, moved.seq);
    } finally {
      await nc.close();
    }
    const found = await reconcile(bus, { since, settleMs: 500 });
    expect(found.lost).toBe(1);
    expect(found.gaps).toEqual([expect.objectContaining({ reportId: '', url: URL, caseId, missing: expect.stringMatching(/^(referral|outbox)$/) })]);
    expect(found.gaps[0]?.detail).toContain(moved.message.id);
    // Before decision 0161 an audit of that time read no report, so no case: nothing lost.
  }, 120_000);
});
