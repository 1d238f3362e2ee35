// Issue 14, items 5 and 6, end to end: gateway, locator and dispatcher as real
// processes on a real nats-server. The largest report the gateway accepts is
// routed, every referral carrying all its hashes; a report resent after the
// duplicate windows does not reopen its closed case.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, fetchStoredMessage, openJsonBucket, publishMessage, streamState } from '@relay/bus';
import { hotlineClient } from '@relay/client';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import {
  decodeMessage,
  deriveId,
  KvBucket,
  MAX_HASHES,
  MAX_URL_BYTES_TOTAL,
  MAX_URLS,
  RelayType,
  StatusAction,
  StreamName,
  subjects,
} from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, serviceSigningEnv, type TestAccounts } from './harness/accounts.js';
import { devZone, postReport, writeZone } from './harness/intake.js';
import { DEMO_KEYS, type Pipeline, startPipeline } from './harness/pipeline.js';
import { settled } from './harness/settle.js';

const DUTCH_HOSTER = { a: ['185.107.56.1'] }; // AS43350 NForce, NL

let server: NatsServer;
let dir: string;
let pipeline: Pipeline;
let accounts: TestAccounts;
/** Resends a report as the gateway would and reads the streams: it signs as the gateway. */
let bus: Bus;
/** Publishes eokm's status: it signs as eokm. */
let eokmBus: Bus;

/** `MAX_URLS` distinct URLs on one Dutch host that together spend the whole URL budget (dotted: no run looks like an encoded file). */
function largestUrls(): string[] {
  const each = Math.floor(MAX_URL_BYTES_TOTAL / MAX_URLS) - 3;
  return Array.from({ length: MAX_URLS }, (_, i) => `http://big.example.nl/${String(i).padStart(4, '0')}/`.padEnd(each, 'page.'));
}

/** The hash counts of the referrals REFERRALS holds for each case of `caseIds` (read by sequence: much faster than a consumer for 150 MB). */
async function referralsOf(caseIds: ReadonlySet<string>): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const state = await streamState(bus, StreamName.Referrals);
  if (!state || state.messages === 0) return out;
  let next = state.firstSeq;
  const worker = async (): Promise<void> => {
    while (next <= state.lastSeq) {
      const m = await fetchStoredMessage(bus, StreamName.Referrals, next++);
      if (!m) continue;
      const r = decodeMessage(RelayType.Referral, m.data);
      if (caseIds.has(r.caseId)) out.set(r.caseId, [...(out.get(r.caseId) ?? []), r.hashes.length]);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

/** How many observations of `url` HOSTING stored after sequence `afterSeq`. */
async function observationsOf(url: string, afterSeq: number): Promise<number> {
  const state = await streamState(bus, StreamName.Hosting);
  let found = 0;
  for (let seq = afterSeq + 1; state && seq <= state.lastSeq; seq++) {
    const m = await fetchStoredMessage(bus, StreamName.Hosting, seq);
    if (m && decodeMessage(RelayType.HostingObservation, m.data).url === url) found++;
  }
  return found;
}

beforeAll(async () => {
  server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
  dir = await mkdtemp(join(tmpdir(), 'relay-bounds-'));
  const zoneFile = join(dir, 'zone.json');
  await writeZone(zoneFile, { ...devZone(), 'big.example.nl': DUTCH_HOSTER, 'resent.example.nl': DUTCH_HOSTER });
  // The largest report is a JSON body above the 1 MiB default (PhotoDNA in hex doubles the hashes); what the pipeline carries is the limit that matters.
  // Every service signs and verifies, pinning the directory key (decision 0111); no NATS accounts here.
  accounts = await makeTestAccounts();
  pipeline = await startPipeline({ natsUrl: server.url, zoneFile, env: { RELAY_BODY_LIMIT: String(4 * 1024 * 1024) }, serviceEnv: serviceSigningEnv(accounts) });
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url, RELAY_SIGNING_KEY_FILE: accounts.signingKeyFile('gateway') }, 'bounds-test'));
  eokmBus = await connectBus(busConfigFromEnv({ NATS_URL: server.url, RELAY_SIGNING_KEY_FILE: accounts.signingKeyFile('hotline-eokm') }, 'bounds-eokm'));
});

afterAll(async () => {
  await bus?.close();
  await eokmBus?.close();
  await pipeline?.stop();
  await server?.dispose();
  await accounts?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('report size and resends, end to end', () => {
  it('routes the largest report the gateway accepts: 1,000 PhotoDNA hashes, 1,000 URLs, every referral with all the hashes', async () => {
    const urls = largestUrls();
    const hashes = Array.from({ length: MAX_HASHES }, () => ({ algorithm: 'HASH_ALGORITHM_PHOTODNA', value: randomBytes(144).toString('hex') }));
    const submitted = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.iwf, JSON.stringify({ sourceReportId: 'IWF-LARGEST-1', urls, hashes }), 'application/json');
    if (!submitted.ok) throw new Error(`report refused: ${submitted.status} ${submitted.body}`);

    const caseIds = new Set(urls.map((u) => deriveId('case', u)));
    // Reading a thousand referrals of 150 kB is slow on its own: count first, read once.
    await waitFor(async () => ((await streamState(bus, StreamName.Referrals))?.messages ?? 0) >= caseIds.size, {
      timeoutMs: 100_000,
      intervalMs: 500,
      what: 'a referral for each of the 1,000 URLs',
    });
    await settled(bus);
    const referred = await referralsOf(caseIds);
    expect(referred.size).toBe(caseIds.size);
    expect([...referred.values()].every((counts) => counts.length === 1 && counts[0] === MAX_HASHES)).toBe(true);
    // Nothing was dead-lettered on the way (the report used to reach the DLQ as a too-large case).
    expect((await streamState(bus, StreamName.Dlq))?.messages ?? 0).toBe(0);
    const cases = await openJsonBucket(bus, KvBucket.Cases);
    const one = await cases.get(deriveId('case', urls[0] ?? ''));
    expect(JSON.stringify(one?.value).length).toBeLessThan(32 * 1024);
  });

  it('does not reopen a closed case, nor refer it again, when the same report is resent after the duplicate windows', async () => {
    await settled(bus);
    const url = 'http://resent.example.nl/gallery/1';
    const caseId = deriveId('case', url);
    const submitted = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.iwf, JSON.stringify({ sourceReportId: 'IWF-RESENT-1', urls: [url] }), 'application/json');
    if (!submitted.ok) throw new Error(`report refused: ${submitted.status} ${submitted.body}`);
    const [referral] = await waitFor(async () => {
      const got = (await referralsOf(new Set([caseId]))).get(caseId);
      return got?.length === 1 ? got : undefined;
    });
    expect(referral).toBe(0);
    const cases = await openJsonBucket<{ status: string; routing?: { referralId: string } }>(bus, KvBucket.Cases);
    const routed = await waitFor(async () => (await cases.get(caseId))?.value.routing);
    await hotlineClient(eokmBus, { hotline: 'eokm', country: 'NL', provenance: { directoryKey: accounts.directoryKey.publicKey } }).publishStatus({
      id: 'cr-resent-1',
      referralId: routed.referralId,
      caseId,
      action: StatusAction.STATUS_ACTION_CR,
      occurredAt: new Date(),
      note: '',
    });
    await waitFor(async () => (await cases.get(caseId))?.value.status === 'closed', { what: 'the case to close' });

    // A day later: neither REPORTS nor HOSTING remembers the ids any more (windows cut short here).
    await ensureTopology(bus, { replicas: 1, duplicateWindowMs: { [StreamName.Reports]: 500, [StreamName.Hosting]: 500 } });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const stored = await fetchStoredMessage(bus, StreamName.Reports, submitted.receipt.seq);
    const report = decodeMessage(RelayType.Report, stored?.data ?? new Uint8Array());
    // The gateway stamps a resend with the time it arrives, after the case closed.
    const observedUpTo = (await streamState(bus, StreamName.Hosting))?.lastSeq ?? 0;
    const resent = await publishMessage(bus, subjects.report('iwf'), RelayType.Report, { ...report, receivedAt: new Date() }, { msgId: 'iwf:IWF-RESENT-1:again', origin: 'iwf' });
    expect(resent.duplicate).toBe(false);
    await settled(bus);
    // The locator looked again and the dispatcher had the observation: it is the case that refused to reopen.
    // (At least one: on a loaded machine a redelivered report can be observed twice once the 500 ms window is past.)
    expect(await observationsOf(url, observedUpTo)).toBeGreaterThanOrEqual(1);
    expect((await cases.get(caseId))?.value.status).toBe('closed');
    expect((await referralsOf(new Set([caseId]))).get(caseId)).toHaveLength(1);

    // A new report of the URL does reopen it: the content may be back.
    const fresh = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.iwf, JSON.stringify({ sourceReportId: 'IWF-RESENT-2', urls: [url] }), 'application/json');
    expect(fresh.ok).toBe(true);
    await waitFor(async () => ((await referralsOf(new Set([caseId]))).get(caseId)?.length === 2 ? true : undefined), { what: 'a referral for the new report' });
  });
});
