// Issue 18's must-show: 200 sites of one Dutch hoster move, in the zone, to a German hoster over
// several steps; every case gets its German referral, and police DE, eco, eokm, police NL and ATKM
// each get one relocation-wave notice that grows as the wave grows; a second hoster moving 3 sites
// makes no wave. Gateway, locator, dispatcher and watch run as processes under their generated NATS
// users (so the watch's rights are proved sufficient), the tenants read through their own consumers
// and verify who signed what they get. Then `relay stats hosters` shows the departure, and the same
// figures from a copy of the streams in an empty server.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signingKeysOf } from '@relay/accounts';
import { runCli } from '@relay/cli';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, publishBytes, tenantConsumers } from '@relay/bus';
import { bindTenantConsumer, type Deliveries, hotlineClient, policeClient } from '@relay/client';
import { type NatsServer, type ServiceProcess, startNatsServer, startService, waitFor } from '@relay/testkit';
import { deriveId, Header, type Notice, NoticeKind, type Referral, RelayType, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, serviceAccountEnv, type TestAccounts } from './harness/accounts.js';
import { relayAs } from './harness/cli.js';
import { type Inbox, inbox } from './harness/collect.js';
import { cyberTiplineXml, devZone, postReport, writeZone, type ZoneRecord } from './harness/intake.js';
import { DEMO_KEYS, type Pipeline, startPipeline } from './harness/pipeline.js';

const NFORCE: ZoneRecord = { a: ['185.107.56.1'] }; // AS43350 NForce Entertainment, NL
const LEASEWEB: ZoneRecord = { a: ['212.32.230.1'] }; // AS60781 LeaseWeb, NL
const HETZNER: ZoneRecord = { a: ['5.9.0.1'] }; // AS24940 Hetzner, DE
const SITES = 200;
const STEPS = 4;
/** One customer site per registrable domain, as a reseller's customers are. */
const host = (i: number): string => `shop${i}-customer.nl`;
const url = (i: number): string => `http://${host(i)}/gallery/1`;
const fewHost = (i: number): string => `few${i}-leased.nl`;
const fewUrl = (i: number): string => `http://${fewHost(i)}/gallery/1`;
const WAVE = { minCases: 20, minDomains: 20, window: '15s' };

let server: NatsServer;
let accounts: TestAccounts;
let dir: string;
let zoneFile: string;
let pipeline: Pipeline;
let watch: ServiceProcess;
let bus: Bus;
const inboxes: Inbox<unknown>[] = [];
const tenantBuses: Bus[] = [];
let ecoReferrals: Inbox<Referral>;
let eokmReferrals: Inbox<Referral>;
const waveBoxes: Record<string, Inbox<Notice>> = {};

async function tenant<T>(open: () => Promise<Deliveries<T>>): Promise<Inbox<T>> {
  const box = inbox(await waitFor(() => open().catch(() => undefined), { timeoutMs: 30_000, what: 'a tenant consumer' }));
  inboxes.push(box);
  return box;
}
async function tenantBus(user: string): Promise<Bus> {
  const b = await accounts.busAs(user, server.url);
  tenantBuses.push(b);
  return b;
}

function zone(moved: number, fewMoved: boolean): Record<string, ZoneRecord> {
  const records: Record<string, ZoneRecord> = { ...devZone() };
  for (let i = 0; i < SITES; i++) records[host(i)] = i < moved ? HETZNER : NFORCE;
  for (let i = 0; i < 3; i++) records[fewHost(i)] = fewMoved ? HETZNER : LEASEWEB;
  return records;
}

beforeAll(async () => {
  accounts = await makeTestAccounts();
  server = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
  await provisionAsAdmin(accounts, server.url);
  dir = await mkdtemp(join(tmpdir(), 'relay-wave-'));
  zoneFile = join(dir, 'zone.json');
  await writeZone(zoneFile, zone(0, false));
  // The dev directory with a short wave window, so the wave closes within the test (decision 0120).
  const directoryFile = join(dir, 'directory.json');
  await writeFile(directoryFile, JSON.stringify(accounts.signed({ ...accounts.directory.file, signers: signingKeysOf(accounts.generated), hosterWaves: { default: WAVE } }).signed));
  const env = serviceAccountEnv(accounts, server.url);
  pipeline = await startPipeline({ natsUrl: server.url, zoneFile, recheckInterval: '2s', serviceEnv: { ...env, dispatcher: { ...env.dispatcher, RELAY_DIRECTORY_FILE: directoryFile } } });
  watch = await startService('watch', {
    natsUrl: server.url,
    env: { ...accounts.envOf('watch', server.url), RELAY_DIRECTORY_KEY: accounts.directoryKey.publicKey, RELAY_WATCH_SWEEP_INTERVAL: '1s' },
    readyTimeoutMs: 60_000,
  });
  bus = await accounts.busAs('operator-alice', server.url);
  const provenance = { directoryKey: accounts.directoryKey.publicKey };
  const eokm = hotlineClient(await tenantBus('hotline-eokm'), { hotline: 'eokm', country: 'NL', provenance });
  const eco = hotlineClient(await tenantBus('hotline-eco'), { hotline: 'eco', country: 'DE', provenance });
  ecoReferrals = await tenant(() => eco.referrals());
  waveBoxes['eokm'] = await tenant(() => eokm.notices());
  waveBoxes['eco'] = await tenant(() => eco.notices());
  eokmReferrals = await tenant(() => eokm.referrals());
  const nl = await tenantBus('police-nl');
  const de = await tenantBus('police-de');
  waveBoxes['police NL'] = await tenant(() => policeClient(nl, { country: 'NL', provenance }).notices());
  waveBoxes['police DE'] = await tenant(() => policeClient(de, { country: 'DE', provenance }).notices());
  const atkm = await tenantBus('authority-nl');
  waveBoxes['ATKM'] = await tenant(() => bindTenantConsumer(atkm, tenantConsumers.authorityNotices('NL'), RelayType.Notice, false, provenance));
}, 180_000);

afterAll(async () => {
  await Promise.all(inboxes.map((b) => b.close()));
  await Promise.all(tenantBuses.map((b) => b.close()));
  await bus?.close();
  await watch?.stop();
  await pipeline?.stop();
  await server?.dispose();
  await accounts?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const waves = (box: Inbox<Notice>): Notice[] => box.received.map((r) => r.message).filter((n) => n.kind === NoticeKind.NOTICE_KIND_HOSTER_RELOCATED);
const month = new Date().toISOString().slice(0, 7);

describe('a hoster leaving the Netherlands', () => {
  it('gives every case its German referral and each recipient one wave notice that grows, and no wave for 3 sites', async () => {
    for (let part = 0; part < STEPS; part++) {
      const urls = Array.from({ length: SITES / STEPS }, (_, k) => url(part * (SITES / STEPS) + k));
      const submitted = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.ncmec, cyberTiplineXml(`18000000${part}`, urls), 'application/xml');
      expect(submitted.ok).toBe(true);
    }
    expect((await postReport(pipeline.gatewayUrl(), DEMO_KEYS.ncmec, cyberTiplineXml('180000099', [0, 1, 2].map(fewUrl)), 'application/xml')).ok).toBe(true);
    await waitFor(() => new Set(eokmReferrals.received.map((r) => r.message.caseId)).size >= SITES + 3, { timeoutMs: 60_000, what: 'every site referred to eokm' });

    // The hoster moves its customers in steps, a quarter at a time, each step once the previous one is referred.
    for (let step = 1; step <= STEPS; step++) {
      await writeZone(zoneFile, zone((SITES / STEPS) * step, step === STEPS));
      const expected = (SITES / STEPS) * step + (step === STEPS ? 3 : 0);
      await waitFor(() => new Set(ecoReferrals.received.map((r) => r.message.caseId)).size >= expected, { timeoutMs: 60_000, what: `${expected} German referrals` });
    }
    // Every case gets its own referral to eco, once.
    const caseIds = Array.from({ length: SITES }, (_, i) => deriveId('case', url(i)));
    const referred = ecoReferrals.received.map((r) => r.message.caseId);
    for (const id of caseIds) expect(referred.filter((c) => c === id)).toHaveLength(1);

    // The wave closes once its window passed without a move: then every recipient has the final revision.
    for (const [who, box] of Object.entries(waveBoxes)) {
      await waitFor(() => waves(box).some((n) => n.wave?.final), { timeoutMs: 60_000, what: `the final wave revision for ${who}` });
    }
    for (const [who, box] of Object.entries(waveBoxes)) {
      const told = waves(box);
      // One wave (one id) from NForce NL -> DE, in a few revisions, not one notice per case; none for LeaseWeb's 3 sites.
      expect(new Set(told.map((n) => n.wave?.waveId)).size, who).toBe(1);
      expect(told.length, who).toBeLessThanOrEqual(6);
      expect(told.every((n) => n.wave?.hosterBefore?.asn === 43350 && n.wave.countryFrom === 'NL' && n.wave.countryTo === 'DE'), who).toBe(true);
      const counts = told.map((n) => n.wave?.caseCount ?? 0);
      expect(counts, who).toEqual([...counts].sort((a, b) => a - b));
      expect(counts.at(0), who).toBeLessThan(SITES);
      const last = told.at(-1)!.wave!;
      expect(last, who).toMatchObject({ final: true, caseCount: SITES, domainCount: SITES });
      expect(last.hostersAfter, who).toEqual([{ asn: 24940, asOrganisation: expect.stringContaining('Hetzner'), country: 'DE', cases: SITES }]);
      // Each of them was told of every case of this wave, so each lists all 200 (need to know: no other case).
      expect([...last.caseIds].sort(), who).toEqual([...caseIds].sort());
    }
  }, 400_000);

  it('counts one hoster departed NL -> DE with 200 cases in `relay stats hosters`, and the same from a copy of the streams in an empty server', async () => {
    const args = ['stats', 'hosters', '--country', 'NL', '--from', month, '--to', month, '--json'];
    const run = await relayAs(accounts, server.url, 'operator-alice', args);
    expect(run.code, run.err).toBe(0);
    const stats = JSON.parse(run.out) as { months: { month: string; hostersDeparted: number; casesMovedAbroad: number; domainsMovedAbroad: number; destinations: Record<string, number>; hosters: { asn: number; to: string; cases: number }[] }[] };
    const m = stats.months.find((x) => x.month === month)!;
    expect(m).toMatchObject({ hostersDeparted: 1, casesMovedAbroad: SITES + 3, domainsMovedAbroad: SITES + 3, destinations: { DE: SITES + 3 } });
    expect(m.hosters).toEqual([expect.objectContaining({ asn: 43350, to: 'DE', cases: SITES })]);

    // A replay into an empty store: every message of REFERRALS, NOTICES and STATUS as `relay replay --out` writes it, re-published unchanged.
    const copies: string[] = [];
    for (const stream of [StreamName.Referrals, StreamName.Notices, StreamName.Status]) {
      const out = join(dir, `${stream}.jsonl`);
      const r = await relayAs(accounts, server.url, 'operator-alice', ['replay', '--stream', stream, '--out', out, '--reason', 'issue 18: stats from a replay', '--json']);
      expect(r.code, r.err).toBe(0);
      copies.push(out);
    }
    const empty = await startNatsServer({}, { ...process.env, NATS_URL: '' });
    try {
      const target = await connectBus(busConfigFromEnv({ NATS_URL: empty.url }, 'test-replay-target'));
      try {
        await ensureTopology(target, { replicas: 1 });
        for (const file of copies) {
          for (const line of (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '')) {
            const m = JSON.parse(line) as { subject: string; headers: Record<string, string>; data: string };
            await publishBytes(target, m.subject, Buffer.from(m.data, 'base64'), { msgId: m.headers[Header.MsgId] ?? '', origin: m.headers[Header.Origin] ?? '', headers: m.headers });
          }
        }
      } finally {
        await target.close();
      }
      let out = '';
      let err = '';
      const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env: { NATS_URL: empty.url } });
      expect(code, err).toBe(0);
      expect(JSON.parse(out)).toEqual(stats);
    } finally {
      await empty.dispose();
    }
  }, 120_000);
});
