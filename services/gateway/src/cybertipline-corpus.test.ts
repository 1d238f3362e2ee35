import { getStoredMessage } from '@relay/bus';
import { deriveId, IncidentType, Priority, StreamName } from '@relay/wire';
import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctDigestId, CYBERTIPLINE_REPORT_DROPPED, fixture, startTestGateway, type TestGateway } from '../test/gateway.js';
import { createIntake } from './intake.js';
import { createReportLedger } from './report-ledger.js';
import { createStoredReports } from './stored-reports.js';

/**
 * A corpus of CyberTipline documents valid by NCMEC's schema, each submitted
 * to a gateway on a real nats-server: accepted, stored with the URLs it
 * names, and with everything else dropped and listed on the receipt.
 */

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.dispose();
});

async function submit(xml: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await t.gateway.http.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { authorization: `Bearer ${DEMO_KEYS.ncmec}`, 'content-type': 'application/xml' },
    payload: xml,
  });
  return { status: res.statusCode, json: res.json() };
}

interface Case {
  readonly file: string;
  readonly urls: readonly string[];
  readonly incidentType: IncidentType;
  readonly incidentTime: string;
  readonly priority: Priority;
  readonly dropped: readonly string[];
}

const CORPUS: readonly Case[] = [
  {
    file: 'cybertipline/minimal.xml',
    urls: ['http://images.example.nl/minimal/1'],
    incidentType: IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
    incidentTime: '2026-10-30T08:00:00.000Z',
    priority: Priority.PRIORITY_NORMAL,
    dropped: ['/report/reporter'],
  },
  {
    file: 'cybertipline-report.xml',
    urls: ['http://images.example.nl/gallery/1', 'https://files.example.nl/view.php?id=88412&k=c9f2', 'https://board.example.ru/t/5513'],
    incidentType: IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
    incidentTime: '2026-11-02T02:40:00.000Z',
    priority: Priority.PRIORITY_HIGH,
    dropped: [...CYBERTIPLINE_REPORT_DROPPED],
  },
  {
    // Every optional element of <report>; an incidentDateTime without a zone is read as UTC.
    file: 'cybertipline/every-optional.xml',
    urls: ['http://images.example.nl/every/1', 'https://images.example.nl/every/2'],
    incidentType: IncidentType.INCIDENT_TYPE_MISLEADING_DOMAIN_NAME,
    incidentTime: '2026-10-28T10:00:00.000Z',
    priority: Priority.PRIORITY_HIGH,
    dropped: [
      '/report/batchedReport',
      '/report/incidentSummary/platform',
      '/report/incidentSummary/reportAnnotations',
      '/report/incidentSummary/incidentDateTimeDescription',
      '/report/internetDetails/0/webPageIncident/additionalInfo',
      '/report/internetDetails/0/webPageIncident/@thirdPartyHostedContent',
      '/report/internetDetails/1/emailIncident',
      '/report/lawEnforcement',
      '/report/reporter',
      '/report/personOrUserReported',
      '/report/intendedRecipient',
      '/report/victim',
      '/report/additionalInfo',
    ],
  },
  {
    // Eight incident kinds: the web page is relayed (a bare host read as http), the other seven validated and dropped.
    file: 'cybertipline/incident-kinds.xml',
    urls: ['https://images.example.nl/kinds/1', 'http://images.example.nl/kinds/2'],
    incidentType: IncidentType.INCIDENT_TYPE_CHILD_SEX_TRAFFICKING,
    incidentTime: '2026-10-29T13:05:00.000Z',
    priority: Priority.PRIORITY_NORMAL,
    dropped: [
      '/report/internetDetails/0/emailIncident',
      '/report/internetDetails/2/newsgroupIncident',
      '/report/internetDetails/3/chatImIncident',
      '/report/internetDetails/4/onlineGamingIncident',
      '/report/internetDetails/5/cellPhoneIncident',
      '/report/internetDetails/6/nonInternetIncident',
      '/report/internetDetails/7/peer2peerIncident',
      '/report/reporter',
    ],
  },
  {
    // NCMEC's own documentation example (section 6.1), written against a newer schema: <informational/> is set aside.
    file: 'cybertipline/ncmec-6.1-example.xml',
    urls: ['http://badsite.com/baduri.html'],
    incidentType: IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
    incidentTime: '2012-10-15T15:00:00.000Z',
    priority: Priority.PRIORITY_NORMAL,
    dropped: ['/report/incidentSummary/reportAnnotations', '/report/reporter'],
  },
];

describe('a corpus of CyberTipline documents valid by NCMEC schema', () => {
  it.each(CORPUS)('accepts and stores $file', async (c) => {
    const xml = fixture(c.file);
    const res = await submit(xml);
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const sourceReportId = ctDigestId(xml);
    expect(res.json).toEqual({
      reportId: deriveId('rpt', 'ncmec', sourceReportId),
      source: 'ncmec',
      sourceReportId,
      stream: 'REPORTS',
      seq: expect.any(Number),
      dropped: c.dropped,
    });
    const stored = await t.storedReport(res.json['seq'] as number);
    expect(stored.subject).toBe('relay.report.ncmec');
    expect(stored.report).toMatchObject({
      urls: c.urls,
      incidentType: c.incidentType,
      incidentTime: new Date(c.incidentTime),
      priority: c.priority,
      hashes: [],
    });
    expect(stored.report.reporter).toBeUndefined();
  });

  it('refuses a valid report that names no web-page URL: there is nothing to route', async () => {
    const res = await submit(fixture('cybertipline/no-web-page.xml'));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ rule: 'nothing-to-route', pointer: '/report/internetDetails' });
    expect(res.json['detail']).toMatch(/nothing it can route/);
  });

  it('refuses an element NCMEC defines elsewhere in the wrong place, naming it by pointer (only undefined elements are set aside)', async () => {
    const res = await submit(fixture('cybertipline/minimal.xml').replace('<reportingPerson/>', '<reportingPerson/><url>http://x.example/</url>'));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ rule: 'unknown-field', pointer: '/report/reporter/url/0' });
  });
});

describe('personal data is validated, then dropped', () => {
  const PERSONAL = ['Alice', 'Reporter', 'Charlie', 'Diana', 'Officer', '5556667777', '0987654321', '321 Company St', 'Company City', 'Example School', 'reporter1@example.com', 'billing@example.com', 'Test profile bio', '1992-01-01', 'Report-level additional info', 'Please escalate', 'Test Agency'];

  it('never reaches the stream: the stored message holds none of the names, phones, addresses, ages or free text', async () => {
    const res = await submit(fixture('cybertipline/every-optional.xml'));
    expect(res.status).toBe(202);
    const m = await getStoredMessage(t.bus, StreamName.Reports, res.json['seq'] as number);
    const bytes = Buffer.from(m?.data ?? new Uint8Array()).toString('latin1') + JSON.stringify(m?.headers ?? {});
    for (const value of PERSONAL) expect(bytes, value).not.toContain(value);
    expect(bytes).toContain('images.example.nl/every/1');
  });

  it('never reaches a log, at debug level, whether the report is accepted or refused', async () => {
    const lines: string[] = [];
    const note = (obj: object, msg: string): void => void lines.push(JSON.stringify(obj) + msg);
    const log = { error: note, warn: note, debug: note };
    const ledger = createReportLedger(t.bus);
    const intake = createIntake({
      bus: t.bus,
      ledger,
      reports: createStoredReports(t.bus, ledger),
      maxBodyBytes: 1024 * 1024,
      publishTimeoutMs: 2_000,
      publishAttempts: 1,
      now: () => new Date('2026-11-02T10:00:00Z'),
      metrics: { accepted: () => undefined, refused: () => undefined, refusedReply: () => undefined },
      log,
    });
    const every = fixture('cybertipline/every-optional.xml');
    const accepted = await intake.submit({ source: 'ncmec', contentType: 'application/xml', body: Buffer.from(every) });
    const refused = await intake.submit({ source: 'ncmec', contentType: 'application/xml', body: Buffer.from(every.replace('<age>34</age>', '<age>thirty-four</age>')) });
    expect([accepted.status, refused.status]).toEqual([202, 400]);
    expect(lines.length).toBeGreaterThan(0);
    for (const value of [...PERSONAL, 'thirty-four']) expect(lines.join('\n'), value).not.toContain(value);
  });
});
