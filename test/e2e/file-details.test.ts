// A CyberTipline report and its later fileDetails end to end (issue 15, items 2 and 3; decisions 0100,
// 0101): gateway, locator and dispatcher as real processes on a real nats-server under the generated
// accounts, read by the hotlines and police through their tenant consumers.
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, openJsonBucket, readStream, streamState } from '@relay/bus';
import { reconcile } from '@relay/cli';
import { type Deliveries, hotlineClient, isSubmitRefusedError, policeClient, ReportFormat, submitReport } from '@relay/client';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { AgeGroup, CsamCategory, decodeMessage, deriveId, HashAlgorithm, Header, KvBucket, type Notice, NoticeKind, type Referral, RelayType, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, serviceAccountEnv, type TestAccounts } from './harness/accounts.js';
import { type Inbox, inbox } from './harness/collect.js';
import { cyberTiplineXml, devZone, writeZone, type ZoneRecord } from './harness/intake.js';
import { DEMO_KEYS, type Pipeline, startPipeline } from './harness/pipeline.js';
import { settled } from './harness/settle.js';

const URL_ON_DUTCH_HOSTER = 'http://files.example.net/file-details/1';
const DUTCH_HOSTER: ZoneRecord = { a: ['185.107.56.1'] }; // AS43350 NForce, NL
const GERMAN_HOSTER: ZoneRecord = { a: ['5.9.0.1'] }; // AS24940 Hetzner, DE
const RECHECK_INTERVAL_MS = 2_000;
const NUMBER = '171000500';

let server: NatsServer;
let accounts: TestAccounts;
let dir: string;
let pipeline: Pipeline;
let operator: Bus;
const buses: Bus[] = [];
const inboxes: Inbox<unknown>[] = [];
let eokmReferrals: Inbox<Referral>;
let eokmNotices: Inbox<Notice>;
let ecoNotices: Inbox<Notice>;
let ecoReferrals: Inbox<Referral>;
let zoneFile: string;
let nlPolice: Inbox<Notice>;

async function tenant<T>(open: () => Promise<Deliveries<T>>): Promise<Inbox<T>> {
  const deliveries = await waitFor(() => open().catch(() => undefined), { timeoutMs: 30_000, what: 'a tenant consumer created by the dispatcher' });
  const box = inbox(deliveries);
  inboxes.push(box);
  return box;
}

async function busAs(user: string): Promise<Bus> {
  const b = await accounts.busAs(user, server.url);
  buses.push(b);
  return b;
}

async function http(method: 'POST' | 'PUT', path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${pipeline.gatewayUrl()}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEMO_KEYS.ncmec}`, 'content-type': 'application/xml', ...headers },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  accounts = await makeTestAccounts();
  server = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
  await provisionAsAdmin(accounts, server.url);
  dir = await mkdtemp(join(tmpdir(), 'relay-file-details-'));
  zoneFile = join(dir, 'zone.json');
  await writeZone(zoneFile, { ...devZone(), 'files.example.net': DUTCH_HOSTER });
  pipeline = await startPipeline({ natsUrl: server.url, zoneFile, recheckInterval: `${RECHECK_INTERVAL_MS / 1000}s`, serviceEnv: serviceAccountEnv(accounts, server.url) });
  operator = await busAs('operator-alice');
  const eokm = hotlineClient(await busAs('hotline-eokm'), { hotline: 'eokm', country: 'NL', provenance: { directoryKey: accounts.directoryKey.publicKey } });
  eokmReferrals = await tenant(() => eokm.referrals());
  eokmNotices = await tenant(() => eokm.notices());
  const eco = hotlineClient(await busAs('hotline-eco'), { hotline: 'eco', country: 'DE', provenance: { directoryKey: accounts.directoryKey.publicKey } });
  ecoNotices = await tenant(() => eco.notices());
  ecoReferrals = await tenant(() => eco.referrals());
  nlPolice = await tenant(async () => policeClient(await busAs('police-nl'), { country: 'NL', provenance: { directoryKey: accounts.directoryKey.publicKey } }).notices());
});

afterAll(async () => {
  await Promise.all(inboxes.map((b) => b.close()));
  await Promise.all(buses.map((b) => b.close()));
  await pipeline?.stop();
  await server?.dispose();
  await accounts?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a CyberTipline report under its NCMEC number, and its later fileDetails', () => {
  const caseId = deriveId('case', URL_ON_DUTCH_HOSTER);
  let referral: Referral;

  it('the report (PUT under its number) reaches eokm and the Dutch police; the id from outside the body holds over HTTP and NATS', async () => {
    const xml = cyberTiplineXml(NUMBER, [URL_ON_DUTCH_HOSTER]);
    const put = await http('PUT', `/v1/reports/${NUMBER}`, xml);
    expect(put).toMatchObject({ status: 202, json: { sourceReportId: NUMBER, reportId: deriveId('rpt', 'ncmec', NUMBER) } });
    // The same report with its number in the header over NATS (as an operator's connection may submit): the first receipt.
    const overNats = await submitReport(operator, DEMO_KEYS.ncmec, xml, ReportFormat.CyberTipline, { sourceReportId: NUMBER });
    expect(overNats).toEqual(put.json);
    // A different report under the used number is refused (409), a header the path contradicts too (400), over both transports.
    const other = cyberTiplineXml(NUMBER, ['http://files.example.net/file-details/other']);
    expect((await http('PUT', `/v1/reports/${NUMBER}`, other)).json).toMatchObject({ status: 409, rule: 'report-id-conflict' });
    const refused = await submitReport(operator, DEMO_KEYS.ncmec, other, ReportFormat.CyberTipline, { sourceReportId: NUMBER }).catch((e: unknown) => e);
    expect(isSubmitRefusedError(refused) && refused.problem).toMatchObject({ status: 409, rule: 'report-id-conflict' });
    expect((await http('PUT', `/v1/reports/${NUMBER}`, xml, { 'relay-source-report-id': '171000501' })).json).toMatchObject({ status: 400, rule: 'source-report-id-mismatch' });

    referral = (await eokmReferrals.next((r) => r.message.caseId === caseId, 'the referral to eokm')).message;
    expect(referral).toMatchObject({ reportId: put.json['reportId'], source: 'ncmec', jurisdiction: 'NL', hotline: 'eokm', url: URL_ON_DUTCH_HOSTER, hashes: [] });
    const police = await nlPolice.next((n) => n.message.caseId === caseId, 'the Dutch police notice');
    expect(police.message).toMatchObject({ kind: NoticeKind.NOTICE_KIND_POLICE_REFERRAL, referralId: referral.id });
  });

  it('its fileDetails brings the file hashes and classification to eokm, as a notice on the referral, and to no one else', async () => {
    const fileXml = (await readFile(new URL('../../services/gateway/test-fixtures/cybertipline/file-details.xml', import.meta.url), 'utf8')).replace(
      '<reportId>171000900</reportId>',
      `<reportId>${NUMBER}</reportId>`,
    );
    const receipt = await submitReport(operator, DEMO_KEYS.ncmec, fileXml, ReportFormat.CyberTipline);
    expect(receipt['sourceReportId']).toMatch(new RegExp(`^${NUMBER}-file-[0-9a-f]{32}$`));
    expect(receipt.dropped).toContain('/fileDetails/originalFileName');

    const file = await eokmNotices.next((n) => n.message.caseId === caseId && n.message.kind === NoticeKind.NOTICE_KIND_FILE_DETAILS, 'the file notice to eokm');
    expect(file.subject).toBe('relay.notice.NL.hotline.eokm.file-details');
    expect(file.message).toMatchObject({ hotline: 'eokm', referralId: referral.id, url: URL_ON_DUTCH_HOSTER });
    expect(file.message.files?.reportId).toBe(receipt.reportId);
    expect(file.message.files?.classification).toMatchObject({ category: CsamCategory.CSAM_CATEGORY_A1, ageGroup: AgeGroup.AGE_GROUP_PREPUBESCENT });
    expect(file.message.files?.hashes.map((h) => [h.algorithm, Buffer.from(h.value).toString('hex')])).toEqual([
      [HashAlgorithm.HASH_ALGORITHM_MD5, '9e107d9d372bb6826bd81d3542a419d6'],
      [HashAlgorithm.HASH_ALGORITHM_SHA1, '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12'],
    ]);
    // Nothing of the file but its hashes and classification reaches the hotline.
    const text = JSON.stringify(file.message, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const personal of ['holiday.jpg', '192.0.2.44', 'Example camera', 'mobile client']) expect(text).not.toContain(personal);
    await settled(operator);

    // No one else: every notice of the case on NOTICES, as stored, and the other tenants' consumers.
    const stored: { subject: string; kind: NoticeKind }[] = [];
    for await (const m of readStream(operator, { stream: StreamName.Notices })) {
      const n = decodeMessage(RelayType.Notice, m.data);
      if (n.caseId === caseId) stored.push({ subject: m.subject, kind: n.kind });
    }
    expect(stored.filter((n) => n.kind === NoticeKind.NOTICE_KIND_FILE_DETAILS).map((n) => n.subject)).toEqual(['relay.notice.NL.hotline.eokm.file-details']);
    expect(nlPolice.received.filter((n) => n.message.caseId === caseId).map((n) => n.message.kind)).toEqual([NoticeKind.NOTICE_KIND_POLICE_REFERRAL]);
    expect(ecoNotices.received.filter((n) => n.message.caseId === caseId)).toEqual([]);
    expect(ecoReferrals.received.filter((r) => r.message.caseId === caseId)).toEqual([]);
    // No second referral: the file joined the case, it did not route it again.
    expect(eokmReferrals.received.filter((r) => r.message.caseId === caseId).map((r) => r.message.id)).toEqual([referral.id]);
  });

  it('a resend of the same fileDetails (HTTP, reindented, with its number in the header) brings nothing new', async () => {
    await settled(operator);
    const before = { reports: await streamState(operator, StreamName.Reports), notices: await streamState(operator, StreamName.Notices), referrals: await streamState(operator, StreamName.Referrals) };
    const fileXml = (await readFile(new URL('../../services/gateway/test-fixtures/cybertipline/file-details.xml', import.meta.url), 'utf8'))
      .replace('<reportId>171000900</reportId>', `<reportId>${NUMBER}</reportId>`)
      .replaceAll('\n  ', '\n    ');
    const again = await http('POST', '/v1/reports', fileXml, { [Header.SourceReportId]: NUMBER });
    expect(again.status).toBe(202);
    await settled(operator);
    expect(await streamState(operator, StreamName.Reports)).toEqual(before.reports);
    expect(await streamState(operator, StreamName.Notices)).toEqual(before.notices);
    expect(await streamState(operator, StreamName.Referrals)).toEqual(before.referrals);
    expect(eokmNotices.received.filter((n) => n.message.caseId === caseId && n.message.kind === NoticeKind.NOTICE_KIND_FILE_DETAILS)).toHaveLength(1);
    // The operator's reconciliation accounts for the report and its file: nothing lost, nothing twice.
    const audit = await reconcile(operator);
    expect(audit).toMatchObject({ lost: 0, duplicated: 0 });
    expect(audit.gaps).toEqual([]);
  });

  it('after the site moves to Germany, the file goes to eco with the superseding referral, and not to eokm again', async () => {
    // The case must be in the dispatcher's recheck schedule before the move, or no recheck finds it.
    const cases = await openJsonBucket<{ recheck: { seq: number } }>(operator, KvBucket.Cases);
    const seqBefore = (await cases.get(caseId))?.value.recheck.seq ?? 0;
    await waitFor(async () => ((await cases.get(caseId))?.value.recheck.seq ?? 0) > seqBefore, { timeoutMs: 10_000, what: 'a recheck of the case' });
    await writeZone(zoneFile, { ...devZone(), 'files.example.net': GERMAN_HOSTER });
    const de = await ecoReferrals.next((r) => r.message.caseId === caseId, 'the referral to eco after the move');
    expect(de.message).toMatchObject({ jurisdiction: 'DE', hotline: 'eco', supersedes: referral.id });
    const file = await ecoNotices.next((n) => n.message.caseId === caseId && n.message.kind === NoticeKind.NOTICE_KIND_FILE_DETAILS, 'the file notice to eco');
    expect(file.subject).toBe('relay.notice.DE.hotline.eco.file-details');
    expect(file.message).toMatchObject({ hotline: 'eco', referralId: de.message.id });
    expect(file.message.files?.hashes).toHaveLength(2);
    await eokmNotices.next((n) => n.message.caseId === caseId && n.message.kind === NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, 'the case-moved notice for eokm');
    await settled(operator);
    expect(eokmNotices.received.filter((n) => n.message.caseId === caseId && n.message.kind === NoticeKind.NOTICE_KIND_FILE_DETAILS)).toHaveLength(1);
    expect(ecoNotices.received.filter((n) => n.message.caseId === caseId && n.message.kind === NoticeKind.NOTICE_KIND_FILE_DETAILS)).toHaveLength(1);
  });

  it('a fileDetails of a report the relay does not hold is refused, and nothing reaches anyone', async () => {
    const fileXml = (await readFile(new URL('../../services/gateway/test-fixtures/cybertipline/file-details.xml', import.meta.url), 'utf8')).replace('<reportId>171000900</reportId>', '<reportId>171000599</reportId>');
    const refused = await http('POST', '/v1/reports', fileXml);
    expect(refused).toMatchObject({ status: 409, json: { rule: 'report-not-known' } });
  });
});
