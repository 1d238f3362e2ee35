// The seed scenario end to end (issue 5): gateway, locator and dispatcher as
// real processes on a real nats-server, a static DNS zone in a temp file, the
// dev directory and sources. Results are read the way hotlines and police
// read them: through their tenant consumers with @relay/client.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, openJsonBucket, publishBytes, readStream, streamState } from '@relay/bus';
import { reconcile } from '@relay/cli';
import { type Deliveries, hotlineClient, policeClient } from '@relay/client';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { Audience, decodeMessage, deriveId, Header, KvBucket, type Notice, NoticeKind, type Referral, RoutingReason, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, serviceAccountEnv, type TestAccounts } from './harness/accounts.js';
import { type Inbox, inbox } from './harness/collect.js';
import { cyberTiplineXml, devZone, postReport, writeZone, type ZoneRecord } from './harness/intake.js';
import { DEMO_KEYS, type Pipeline, startPipeline } from './harness/pipeline.js';
import { settled } from './harness/settle.js';

const RECHECK_INTERVAL_MS = 2_000;
const DUTCH_HOSTER: ZoneRecord = { a: ['185.107.56.1'] }; // AS43350 NForce, NL
const GERMAN_HOSTER: ZoneRecord = { a: ['5.9.0.1'] }; // AS24940 Hetzner, DE
const MOVING_URL = 'http://moving.example.net/gallery/7';
const SHARED_URL = 'http://images.example.nl/shared/1';

let server: NatsServer;
let accounts: TestAccounts;
let dir: string;
let zoneFile: string;
let pipeline: Pipeline;
let bus: Bus;
const inboxes: Inbox<unknown>[] = [];
let eokmReferrals: Inbox<Referral>;
let eokmNotices: Inbox<Notice>;
let ecoReferrals: Inbox<Referral>;
let nlPolice: Inbox<Notice>;
let dePolice: Inbox<Notice>;

/** Opens a tenant's consumer once the dispatcher has created it (from the directory). */
async function tenant<T>(open: () => Promise<Deliveries<T>>): Promise<Inbox<T>> {
  const deliveries = await waitFor(() => open().catch(() => undefined), { timeoutMs: 30_000, what: 'a tenant consumer created by the dispatcher' });
  const box = inbox(deliveries);
  inboxes.push(box);
  return box;
}

const tenantBuses: Bus[] = [];
/** A tenant's own connection, as its generated user: it can read nothing but its own consumers. */
async function tenantBus(user: string): Promise<Bus> {
  const b = await accounts.busAs(user, server.url);
  tenantBuses.push(b);
  return b;
}

// As production runs it: the generated accounts, provisioned by the admin identity, every service and
// tenant as its own user with signatures verified; the test's own checks read as an operator.
beforeAll(async () => {
  accounts = await makeTestAccounts();
  server = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
  await provisionAsAdmin(accounts, server.url);
  dir = await mkdtemp(join(tmpdir(), 'relay-seed-'));
  zoneFile = join(dir, 'zone.json');
  await writeZone(zoneFile, { ...devZone(), 'moving.example.net': DUTCH_HOSTER });
  pipeline = await startPipeline({ natsUrl: server.url, zoneFile, recheckInterval: `${RECHECK_INTERVAL_MS / 1000}s`, serviceEnv: serviceAccountEnv(accounts, server.url) });
  bus = await accounts.busAs('operator-alice', server.url);
  const eokm = hotlineClient(await tenantBus('hotline-eokm'), { hotline: 'eokm', country: 'NL', provenance: { directoryKey: accounts.directoryKey.publicKey } });
  eokmReferrals = await tenant(() => eokm.referrals());
  eokmNotices = await tenant(() => eokm.notices());
  const eco = await tenantBus('hotline-eco');
  ecoReferrals = await tenant(() => hotlineClient(eco, { hotline: 'eco', country: 'DE', provenance: { directoryKey: accounts.directoryKey.publicKey } }).referrals());
  const nl = await tenantBus('police-nl');
  nlPolice = await tenant(() => policeClient(nl, { country: 'NL', provenance: { directoryKey: accounts.directoryKey.publicKey } }).notices());
  const de = await tenantBus('police-de');
  dePolice = await tenant(() => policeClient(de, { country: 'DE', provenance: { directoryKey: accounts.directoryKey.publicKey } }).notices());
});

afterAll(async () => {
  await Promise.all(inboxes.map((b) => b.close()));
  await Promise.all(tenantBuses.map((b) => b.close()));
  await bus?.close();
  await pipeline?.stop();
  await server?.dispose();
  await accounts?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const caseOf = (url: string): string => deriveId('case', url);

describe('the seed scenario', () => {
  it('routes an NCMEC report of a Dutch-hosted URL to EOKM and the Dutch police, and a move to Germany to eco, the German police and EOKM', async () => {
    const submitted = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.ncmec, cyberTiplineXml('171000001', [MOVING_URL]), 'application/xml');
    if (!submitted.ok) throw new Error(`report refused: ${submitted.status} ${submitted.body}`);
    const caseId = caseOf(MOVING_URL);

    const nl = await eokmReferrals.next((r) => r.message.caseId === caseId, 'the referral to eokm');
    expect(nl.subject).toBe('relay.referral.NL.eokm');
    expect(nl.message).toMatchObject({ reportId: submitted.receipt.reportId, source: 'ncmec', url: MOVING_URL, jurisdiction: 'NL', hotline: 'eokm' });
    expect(nl.message.reason).toBe(RoutingReason.ROUTING_REASON_HOSTED_IN);
    // A CyberTipline <report> carries no files (NCMEC sends fileDetails as documents of their own), so no hashes yet.
    expect(nl.message.hashes).toEqual([]);
    const police = await nlPolice.next((n) => n.message.caseId === caseId, 'the Dutch police notice');
    expect(police.subject).toMatch(/^relay\.notice\.NL\.police\.[a-z-]+$/);
    expect(police.message).toMatchObject({ kind: NoticeKind.NOTICE_KIND_POLICE_REFERRAL, referralId: nl.message.id, country: 'NL' });

    // The case must be in the dispatcher's schedule before the move, or the move is not a recheck's to find.
    const cases = await openJsonBucket<{ recheck: { seq: number } }>(bus, KvBucket.Cases);
    const seqBefore = (await cases.get(caseId))?.value.recheck.seq ?? 0;
    await waitFor(async () => ((await cases.get(caseId))?.value.recheck.seq ?? 0) > seqBefore, { timeoutMs: 10_000, what: 'a first recheck of the case' });

    const movedAt = Date.now();
    await writeZone(zoneFile, { ...devZone(), 'moving.example.net': GERMAN_HOSTER });
    const de = await ecoReferrals.next((r) => r.message.caseId === caseId, 'the referral to eco after the move');
    const dePoliceNotice = await dePolice.next((n) => n.message.caseId === caseId, 'the German police notice');
    const movedOut = await eokmNotices.next((n) => n.message.caseId === caseId && n.message.kind === NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, 'the case-moved notice for eokm');

    expect(de.subject).toBe('relay.referral.DE.eco');
    expect(de.message).toMatchObject({ jurisdiction: 'DE', hotline: 'eco', supersedes: nl.message.id, reportId: submitted.receipt.reportId });
    expect(de.message.reason).toBe(RoutingReason.ROUTING_REASON_RELOCATED);
    expect(de.message.hosting).toMatchObject({ country: 'DE', asn: 24940 });
    expect(dePoliceNotice.subject).toBe('relay.notice.DE.police.relocation-in');
    expect(dePoliceNotice.message).toMatchObject({ kind: NoticeKind.NOTICE_KIND_RELOCATION_IN, referralId: de.message.id });
    expect(movedOut.subject).toBe('relay.notice.NL.hotline.eokm.case-moved-out');
    expect(movedOut.message).toMatchObject({ audience: Audience.AUDIENCE_HOTLINE, hotline: 'eokm', referralId: de.message.id });
    expect(movedOut.message.hostingBefore?.country).toBe('NL');

    // Issue 5 asks for the move to reach the new country "within one recheck interval plus one
    // second". That is the one timing asserted here, on the relay's own issue times (not on when
    // this test got round to reading them); the waits above are generous, the bound is the issue's.
    for (const issued of [de.message.issuedAt, dePoliceNotice.message.issuedAt, movedOut.message.issuedAt]) {
      expect((issued?.getTime() ?? Infinity) - movedAt).toBeLessThanOrEqual(RECHECK_INTERVAL_MS + 1_000);
    }
  });

  it('opens one case with one referral when two sources report the same URL', async () => {
    const ncmec = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.ncmec, cyberTiplineXml('171000002', [SHARED_URL]), 'application/xml');
    const iwf = await postReport(
      pipeline.gatewayUrl(),
      DEMO_KEYS.iwf,
      JSON.stringify({ sourceReportId: 'IWF-2002', urls: ['HTTP://Images.Example.NL/shared/1#frame'] }),
      'application/json',
    );
    expect([ncmec.ok, iwf.ok]).toEqual([true, true]);
    const caseId = caseOf(SHARED_URL);
    const cases = await openJsonBucket<{ sources: string[] }>(bus, KvBucket.Cases);
    await waitFor(async () => (await cases.get(caseId))?.value.sources.length === 2, { timeoutMs: 30_000, what: 'the case to list both sources' });
    expect((await cases.get(caseId))?.value.sources.sort()).toEqual(['iwf', 'ncmec']);
    await settled(bus);

    await eokmReferrals.next((r) => r.message.caseId === caseId, 'the referral to eokm');
    const stored: string[] = [];
    for await (const m of readStream(bus, { stream: StreamName.Referrals })) {
      const referral = decodeMessage('relay.v1.Referral', m.data);
      if (referral.caseId === caseId) stored.push(referral.id);
    }
    expect(stored).toHaveLength(1);
    expect(eokmReferrals.received.filter((r) => r.message.caseId === caseId).map((r) => r.message.id)).toEqual(stored);
  });

  it('issues no new referral or notice when every observation is published again under new message ids', async () => {
    await settled(bus);
    const before = { referrals: await streamState(bus, StreamName.Referrals), notices: await streamState(bus, StreamName.Notices) };
    const hosting = await streamState(bus, StreamName.Hosting);
    let replayed = 0;
    for await (const m of readStream(bus, { stream: StreamName.Hosting })) {
      if (m.seq > (hosting?.lastSeq ?? 0)) break;
      await publishBytes(bus, m.subject, m.data, {
        msgId: `e2e-replay:${m.headers[Header.MsgId] ?? m.seq}`,
        origin: m.headers[Header.Origin] ?? 'locator',
        headers: { [Header.Type]: m.headers[Header.Type] ?? '' },
      });
      replayed++;
    }
    expect(replayed).toBe(hosting?.messages);
    await settled(bus);

    expect(await streamState(bus, StreamName.Referrals)).toEqual(before.referrals);
    expect(await streamState(bus, StreamName.Notices)).toEqual(before.notices);
    const audit = await reconcile(bus);
    expect(audit).toMatchObject({ reports: 3, lost: 0, duplicated: 0 });
    expect(audit.gaps).toEqual([]);
  });

  it("routes a report with every optional element of NCMEC's <report> by its web-page URLs, and relays none of the rest", async () => {
    const xml = await readFile(new URL('../../services/gateway/test-fixtures/cybertipline/every-optional.xml', import.meta.url), 'utf8');
    const submitted = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.ncmec, xml, 'application/xml');
    if (!submitted.ok) throw new Error(`report refused: ${submitted.status} ${submitted.body}`);
    const caseId = caseOf('http://images.example.nl/every/1');
    const nl = await eokmReferrals.next((r) => r.message.caseId === caseId, 'the referral to eokm');
    expect(nl.subject).toBe('relay.referral.NL.eokm');
    expect(nl.message).toMatchObject({ reportId: submitted.receipt.reportId, source: 'ncmec', jurisdiction: 'NL', hotline: 'eokm' });
    const police = await nlPolice.next((n) => n.message.caseId === caseId, 'the Dutch police notice');
    expect(police.message).toMatchObject({ kind: NoticeKind.NOTICE_KIND_POLICE_REFERRAL, referralId: nl.message.id });
    // Names, phones, addresses and free text of the report reach no hotline and no police.
    const asText = (m: unknown): string => JSON.stringify(m, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const text of [asText(nl.message), asText(police.message)]) {
      for (const personal of ['Alice', 'Charlie', '5556667777', '321 Company St', 'Example School', 'Please escalate']) expect(text).not.toContain(personal);
    }
    await settled(bus);
  });

  it.each(['minimal.xml', 'incident-kinds.xml', 'ncmec-6.1-example.xml'])(
    'routes the schema-valid corpus document %s by each of its web-page URLs to the hotline and police of the hosting country',
    async (file) => {
      const xml = await readFile(new URL(`../../services/gateway/test-fixtures/cybertipline/${file}`, import.meta.url), 'utf8');
      // Only webPageIncident URLs are relayed; a URL without a scheme is read as http (decision 0098).
      const webPageUrls = [...xml.matchAll(/<webPageIncident[^>]*>([\s\S]*?)<\/webPageIncident>/g)].flatMap((m) =>
        [...(m[1] ?? '').matchAll(/<url>([^<]+)<\/url>/g)].map((u) => ((u[1] ?? '').includes('://') ? (u[1] ?? '') : `http://${u[1] ?? ''}`)),
      );
      expect(webPageUrls.length).toBeGreaterThan(0);
      // badsite.com, the URL of NCMEC's own documentation example (section 6.1), is on a Dutch hoster here.
      const zone = JSON.parse(await readFile(zoneFile, 'utf8')) as { records: Record<string, ZoneRecord> };
      await writeZone(zoneFile, { ...zone.records, 'badsite.com': DUTCH_HOSTER });
      const submitted = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.ncmec, xml, 'application/xml');
      if (!submitted.ok) throw new Error(`${file} refused: ${submitted.status} ${submitted.body}`);
      for (const url of webPageUrls) {
        const referral = await eokmReferrals.next((r) => r.message.caseId === caseOf(url), `the referral of ${url} to eokm`);
        expect(referral.message).toMatchObject({ jurisdiction: 'NL', hotline: 'eokm', url });
        await nlPolice.next((n) => n.message.caseId === caseOf(url), `the Dutch police notice of ${url}`);
      }
    },
  );
});
