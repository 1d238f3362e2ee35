// `relay audit` judges a case a recheck relocated even when no report in its
// scope names the URL (decision 0161): the site moves, the dispatcher refers
// the case to the new country, and an audit of the time since finds it
// accounted for; once the new country's referral is gone from REFERRALS (as
// nats-server 2.9.10 can lose an acknowledged write when a leader is cut off),
// the same audit names the case.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { caseIdOf } from '@relay/cases';
import { reconcile } from '@relay/cli';
import { readAll } from '@relay/testing';
import { waitFor } from '@relay/testkit';
import { RelayType, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cyberTiplineXml, devZone, postReport, writeZone, type ZoneRecord } from './harness/intake.js';
import { DEMO_KEYS } from './harness/pipeline.js';
import { type SignedPipeline, startSignedPipeline } from './harness/signed-pipeline.js';

const HOST = 'moving-audit.example.nl';
const URL = `http://${HOST}/gallery/1`;
const GERMAN_HOSTER: ZoneRecord = { a: ['5.9.0.1'] }; // Hetzner, DE

let relay: SignedPipeline;

beforeAll(async () => {
  // Rechecks every 2 s: the move is found without a new report.
  relay = await startSignedPipeline('audit-relocation', { ...devZone(), [HOST]: { a: ['185.107.56.1'] } }, { recheckInterval: '2s' }); // NForce, NL
});

afterAll(async () => {
  await relay?.dispose();
});

/** The case's referrals in REFERRALS, oldest first. */
async function referralsOf(caseId: string) {
  return (await readAll(relay.bus, StreamName.Referrals, RelayType.Referral, 'relay.referral.>')).filter((m) => m.message.caseId === caseId);
}

describe('relay audit of a relocation no report in its scope names', () => {
  it('accounts for the case a recheck moved to Germany, and names it once its new referral is gone', async () => {
    const caseId = caseIdOf(URL);
    const r = await postReport(relay.pipeline.gatewayUrl(), DEMO_KEYS.ncmec, cyberTiplineXml('9400001', [URL]), 'application/xml');
    expect(r.ok).toBe(true);
    await waitFor(async () => (await referralsOf(caseId)).length === 1, { timeoutMs: 30_000, what: 'the referral to eokm' });

    // After the report: an audit from here has no report in scope.
    const since = new Date();
    await writeZone(relay.zoneFile, { ...devZone(), [HOST]: GERMAN_HOSTER });
    const moved = await waitFor(async () => (await referralsOf(caseId)).find((m) => m.message.jurisdiction === 'DE'), { timeoutMs: 30_000, what: 'the referral to the German hotline' });

    const clean = await reconcile(relay.bus, { since });
    expect(clean).toMatchObject({ reports: 0, lost: 0, gaps: [] });
    expect(clean.rechecked.cases).toBe(1);

    // The server drops the new country's referral after acknowledging it (here: deleted by hand).
    const nc = await connect({ servers: relay.server.url });
    try {
      await (await jetstreamManager(nc)).streams.deleteMessage(StreamName.Referrals, moved.seq);
    } finally {
      await nc.close();
    }
    const found = await reconcile(relay.bus, { since, settleMs: 500 });
    expect(found.lost).toBe(1);
    expect(found.gaps).toEqual([expect.objectContaining({ reportId: '', url: URL, caseId, missing: expect.stringMatching(/^(referral|outbox)$/) })]);
    expect(found.gaps[0]?.detail).toContain(moved.message.id);
    // Before decision 0161 an audit of that time read no report, so no case: nothing lost.
  }, 120_000);
});
