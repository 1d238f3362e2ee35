import { randomBytes } from 'node:crypto';
import { type Bus, openJsonBucket, publishMessage } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import {
  deriveId,
  exampleMessage,
  HashAlgorithm,
  type HostingObservation,
  KvBucket,
  MAX_HASHES,
  NATS_MAX_PAYLOAD_BYTES,
  RelayType,
  type Report,
  subjects,
} from '@relay/wire';
import { type HOSTERS, observation, publishedFor, publishObservation, startRecheckResponder, startRelay, type TestRelay, testUrl } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxPublished, readCase } from '../test/dispatcher.js';
import { caseIdOf, runDispatcher, createManualClock, type Dispatcher } from './index.js';

const INTERVAL = 60_000;
const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
const location = new Map<string, keyof typeof HOSTERS>();
let relay: TestRelay;
let bus: Bus;
let dispatcher: Dispatcher;
const photoDna = (n: number) => Array.from({ length: n }, () => ({ algorithm: HashAlgorithm.HASH_ALGORITHM_PHOTODNA, value: randomBytes(144) }));

/** Stores a report on REPORTS as the gateway would; returns it and its stream sequence. */
async function storeReport(urls: string[], hashes = photoDna(MAX_HASHES)): Promise<{ report: Report; seq: number }> {
  const sourceReportId = deriveId('s', Math.random()).slice(2, 14);
  const report: Report = { ...exampleMessage(RelayType.Report), id: deriveId('rpt', 'ncmec', sourceReportId), source: 'ncmec', sourceReportId, urls, hashes };
  const stored = await publishMessage(bus, subjects.report('ncmec'), RelayType.Report, report, { msgId: `ncmec:${sourceReportId}`, origin: 'gateway' });
  return { report, seq: stored.seq };
}

/** The observation the locator makes of `u` for a stored report: a reference to the report, no hashes. */
function observed(u: string, stored: { report: Report; seq: number }, patch: { reportSeq?: bigint } = {}): HostingObservation {
  const o = observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec', reportId: stored.report.id } });
  const cause = o.cause?.cause;
  if (cause?.$case !== 'report') throw new Error('a report observation');
  const value = { ...cause.value, hashes: [], hashCount: stored.report.hashes.length, reportSeq: patch.reportSeq ?? BigInt(stored.seq) };
  return { ...o, cause: { cause: { $case: 'report', value } } };
}

beforeAll(async () => {
  relay = await startRelay();
  bus = relay.bus;
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher-hashes'), settings: { recheckIntervalMs: INTERVAL, tickMs: 20 }, clock });
  await startRecheckResponder(bus, (u) => location.get(u) ?? 'NL', () => clock.now());
});
afterAll(async () => {
  await dispatcher?.stop();
  await relay?.dispose();
});

describe('referral hashes kept once, on the report', () => {
  it('refers every URL of a report with all its 1,000 PhotoDNA hashes, while the cases hold none', async () => {
    const urls = [testUrl('big-a'), testUrl('big-b'), testUrl('big-c')];
    const stored = await storeReport(urls);
    for (const u of urls) await publishObservation(bus, observed(u, stored));
    for (const u of urls) {
      const [referral] = await waitFor(async () => {
        const p = await publishedFor(bus, caseIdOf(u));
        return p.referrals.length === 1 ? p.referrals : undefined;
      });
      expect(referral?.hashes.map((h) => Buffer.from(h.value).toString('hex'))).toEqual(stored.report.hashes.map((h) => Buffer.from(h.value).toString('hex')));
      const c = await waitFor(async () => {
        const got = await readCase(bus, caseIdOf(u));
        return got && (await outboxPublished(bus, got)) ? got : undefined;
      });
      const raw = await (await openJsonBucket(bus, KvBucket.Cases)).get(c.id);
      // A case of this report is a few kB, not the 150 kB of hashes (nor the 1 MB that broke it).
      expect(JSON.stringify(raw?.value).length).toBeLessThan(NATS_MAX_PAYLOAD_BYTES / 64);
    }
  });

  it('gives a relocation referral the report’s hashes too', async () => {
    const u = testUrl('moving');
    const stored = await storeReport([u], photoDna(3));
    await publishObservation(bus, observed(u, stored));
    await waitFor(async () => (await publishedFor(bus, caseIdOf(u))).referrals.length === 1 && dispatcher.isScheduled(caseIdOf(u)));
    location.set(u, 'DE');
    clock.advance(INTERVAL);
    const [, moved] = await waitFor(async () => {
      const p = await publishedFor(bus, caseIdOf(u));
      return p.referrals.length === 2 ? p.referrals : undefined;
    });
    expect(moved).toMatchObject({ hotline: 'eco', jurisdiction: 'DE' });
    expect(moved?.hashes).toHaveLength(3);
  });

  it('still refers, without hashes, when REPORTS no longer holds the report', async () => {
    const u = testUrl('expired');
    const stored = await storeReport([u], photoDna(2));
    await publishObservation(bus, observed(u, stored, { reportSeq: BigInt(stored.seq + 1_000_000) }));
    const [referral] = await waitFor(async () => {
      const p = await publishedFor(bus, caseIdOf(u));
      return p.referrals.length === 1 ? p.referrals : undefined;
    });
    expect(referral).toMatchObject({ reportId: stored.report.id, hashes: [] });
    await waitFor(
      async () => {
        const c = await readCase(bus, caseIdOf(u));
        return c !== undefined && (await outboxPublished(bus, c));
      },
      { what: 'the outbox to be published' },
    );
  });
});
