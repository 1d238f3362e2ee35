import { AgeGroup, CsamCategory, deriveId, HashAlgorithm, Header, IncidentType, LegalClassification, Priority, SiteType } from '@relay/wire';
import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctDigestId, CYBERTIPLINE_REPORT_DROPPED, fixture, startTestGateway, type TestGateway } from '../test/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.dispose();
});

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const PHOTODNA_HEX =
  '49e379e22da0543a8048be5b8f22ec89244d0b9a7f03a8c860b4ac5350d2d3c22afc6ceda6152b4a0e9048954f1b930657855faf18fb72cbe04ce1d13ea5ce6a' +
  '49e379e22da0543a8048be5b8f22ec89244d0b9a7f03a8c860b4ac5350d2d3c22afc6ceda6152b4a0e9048954f1b930657855faf18fb72cbe04ce1d13ea5ce6a' +
  '148de9c5a7a44d19e56cd9ae1a554bf6';

async function post(key: string, contentType: string, body: string): Promise<{ status: number; json: Record<string, unknown>; headers: Record<string, unknown> }> {
  const res = await t.gateway.http.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
    payload: body,
  });
  return { status: res.statusCode, json: res.json(), headers: res.headers };
}

describe('accepted reports are stored in REPORTS as relay.v1.Report', () => {
  it('maps a schema-valid CyberTipline XML report from ncmec and lists what it dropped', async () => {
    const xml = fixture('cybertipline-report.xml');
    const res = await post(DEMO_KEYS.ncmec, 'application/xml', xml);
    expect(res.status).toBe(202);
    const sourceReportId = ctDigestId(xml);
    expect(sourceReportId).toMatch(/^sha256-[0-9a-f]{64}$/);
    const reportId = deriveId('rpt', 'ncmec', sourceReportId);
    expect(res.json).toEqual({
      reportId,
      source: 'ncmec',
      sourceReportId,
      stream: 'REPORTS',
      seq: expect.any(Number),
      dropped: [...CYBERTIPLINE_REPORT_DROPPED],
    });

    const stored = await t.storedReport(res.json['seq'] as number);
    expect(stored.subject).toBe('relay.report.ncmec');
    expect(stored.headers[Header.MsgId]).toBe(`ncmec:${sourceReportId}`);
    expect(stored.headers[Header.Origin]).toBe('ncmec');
    expect(stored.headers[Header.Type]).toBe('relay.v1.Report');
    expect(stored.report).toEqual({
      id: reportId,
      source: 'ncmec',
      sourceReportId,
      incidentType: IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
      incidentTime: new Date('2026-11-02T02:40:00.000Z'),
      receivedAt: expect.any(Date),
      urls: ['http://images.example.nl/gallery/1', 'https://files.example.nl/view.php?id=88412&k=c9f2', 'https://board.example.ru/t/5513'],
      hashes: [],
      classification: undefined,
      priority: Priority.PRIORITY_HIGH,
      reporter: undefined,
    });
  });

  it('stores an identical CyberTipline resend once, however it is indented', async () => {
    const xml = fixture('cybertipline/minimal.xml');
    const before = await t.reportCount();
    const first = await post(DEMO_KEYS.ncmec, 'application/xml', xml);
    const again = await post(DEMO_KEYS.ncmec, 'application/xml', xml.replace(/\n\s*/g, ''));
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.json).toEqual(first.json);
    expect(await t.reportCount()).toBe(before + 1);
  });

  it('maps an X-ARF v4 content/csam report from iwf', async () => {
    const res = await post(DEMO_KEYS.iwf, 'application/vnd.xarf+json', fixture('xarf-csam.json'));
    expect(res.status).toBe(202);
    const stored = await t.storedReport(res.json['seq'] as number);
    expect(stored.subject).toBe('relay.report.iwf');
    expect(stored.headers[Header.MsgId]).toBe('iwf:3c1e8f52-7a4d-4f0e-9b61-2d5a7c9e0f13');
    expect(stored.report).toEqual({
      id: deriveId('rpt', 'iwf', '3c1e8f52-7a4d-4f0e-9b61-2d5a7c9e0f13'),
      source: 'iwf',
      sourceReportId: '3c1e8f52-7a4d-4f0e-9b61-2d5a7c9e0f13',
      incidentType: IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
      incidentTime: new Date('2026-11-02T07:12:45.000Z'),
      receivedAt: expect.any(Date),
      urls: ['http://images.example.nl/gallery/1'],
      hashes: [
        { algorithm: HashAlgorithm.HASH_ALGORITHM_MD5, value: hex('9e107d9d372bb6826bd81d3542a419d6') },
        { algorithm: HashAlgorithm.HASH_ALGORITHM_SHA256, value: hex('d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592') },
        { algorithm: HashAlgorithm.HASH_ALGORITHM_PHOTODNA, value: hex(PHOTODNA_HEX) },
      ],
      classification: { legal: 0, category: CsamCategory.CSAM_CATEGORY_A1, siteType: 0, ageGroup: 0 },
      priority: Priority.PRIORITY_UNSPECIFIED,
      reporter: { organisation: 'Internet Watch Foundation', country: '', contactEmail: 'hotline@iwf.example.org' },
    });
  });

  it('reads application/json with a top-level xarf_version as X-ARF', async () => {
    const doc = { ...JSON.parse(fixture('xarf-csam.json')), report_id: 'a9e0c1d2-3b4c-4d5e-8f60-718293a4b5c6' };
    const res = await post(DEMO_KEYS.iwf, 'application/json', JSON.stringify(doc));
    expect(res.status).toBe(202);
    expect((await t.storedReport(res.json['seq'] as number)).report.classification?.category).toBe(CsamCategory.CSAM_CATEGORY_A1);
  });

  it('maps a native report from eokm field for field, hashes given as base64 or hex', async () => {
    const res = await post(DEMO_KEYS.eokm, 'application/json; charset=utf-8', fixture('native-report.json'));
    expect(res.status).toBe(202);
    const stored = await t.storedReport(res.json['seq'] as number);
    expect(stored.subject).toBe('relay.report.eokm');
    expect(stored.headers[Header.MsgId]).toBe('eokm:EOKM-2026-004417');
    expect(stored.report).toEqual({
      id: deriveId('rpt', 'eokm', 'EOKM-2026-004417'),
      source: 'eokm',
      sourceReportId: 'EOKM-2026-004417',
      incidentType: IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
      incidentTime: new Date('2026-11-02T08:30:00.000Z'),
      receivedAt: expect.any(Date),
      urls: ['https://img.example.de/p/9f3a2', 'http://mirror.example.fr/9f3a2.html'],
      hashes: [
        { algorithm: HashAlgorithm.HASH_ALGORITHM_SHA256, value: hex('d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592') },
        { algorithm: HashAlgorithm.HASH_ALGORITHM_MD5, value: hex('9e107d9d372bb6826bd81d3542a419d6') },
      ],
      classification: {
        legal: LegalClassification.LEGAL_CLASSIFICATION_BASELINE,
        category: CsamCategory.CSAM_CATEGORY_B1,
        siteType: SiteType.SITE_TYPE_IMAGE_HOST,
        ageGroup: AgeGroup.AGE_GROUP_PUBESCENT,
      },
      priority: Priority.PRIORITY_NORMAL,
      reporter: { organisation: 'Offlimits (EOKM)', country: 'NL', contactEmail: 'meldpunt@eokm.example.nl' },
    });
  });

  it('answers a real HTTP request over a socket with the receipt', async () => {
    const doc = { sourceReportId: 'over-the-wire-1', urls: ['https://example.org/a'] };
    const res = await fetch(`${t.gateway.url}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_KEYS.eokm}`, 'content-type': 'application/json' },
      body: JSON.stringify(doc),
    });
    expect(res.status).toBe(202);
    const receipt = (await res.json()) as { seq: number; reportId: string };
    expect(receipt.reportId).toBe(deriveId('rpt', 'eokm', 'over-the-wire-1'));
    expect((await t.storedReport(receipt.seq)).report.urls).toEqual(['https://example.org/a']);
  });
});

describe('resubmission', () => {
  it('stores one message for three submissions of the same report and returns three equal receipts', async () => {
    const before = await t.reportCount();
    const body = JSON.stringify({ sourceReportId: 'resend-7', urls: ['https://example.org/resend'] });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await t.gateway.http.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${DEMO_KEYS.ncmec}`, 'content-type': 'application/json' }, payload: body }));
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
    expect(answers[1]?.body).toBe(answers[0]?.body);
    expect(answers[2]?.body).toBe(answers[0]?.body);
    expect(await t.reportCount()).toBe(before + 1);
  });

  it('stores two messages when two sources use the same sourceReportId', async () => {
    const before = await t.reportCount();
    const body = JSON.stringify({ sourceReportId: 'shared-42', urls: ['https://example.org/shared'] });
    const send = (key: string): Promise<{ status: number; json: Record<string, unknown> }> => post(key, 'application/json', body);
    const fromNcmec = await send(DEMO_KEYS.ncmec);
    const fromIwf = await send(DEMO_KEYS.iwf);
    expect([fromNcmec.status, fromIwf.status]).toEqual([202, 202]);
    expect(fromNcmec.json['seq']).not.toBe(fromIwf.json['seq']);
    expect(fromNcmec.json['reportId']).not.toBe(fromIwf.json['reportId']);
    expect(await t.reportCount()).toBe(before + 2);
    expect((await t.storedReport(fromIwf.json['seq'] as number)).subject).toBe('relay.report.iwf');
  });
});
