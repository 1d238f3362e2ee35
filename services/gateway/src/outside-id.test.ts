import { isSubmitRefusedError, ReportFormat, submitReport } from '@relay/client';
import { deriveId, Header } from '@relay/wire';
import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctDigestId, fixture, type IntakeReply, startTestGateway, type TestGateway } from '../test/gateway.js';

/**
 * The source report id given outside the body (issue 15, item 2; decision
 * 0100): the `Relay-Source-Report-Id` header over HTTP and NATS, and
 * `PUT /v1/reports/{id}`. Every path runs against a real nats-server.
 */

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.dispose();
});


/** A CyberTipline report (schema-valid) naming `url`; each test uses its own URL so no two collide in the ledger. */
function tipline(url: string): string {
  return fixture('cybertipline/minimal.xml').replace(/<url>[^<]*<\/url>/, `<url>${url}</url>`);
}

const http = (method: 'POST' | 'PUT', path: string, key: string, type: string, body: string, headers: Record<string, string> = {}): Promise<IntakeReply> =>
  t.http(method, path, { key, type, body, headers });
const nats = (key: string, type: string, body: string, headers: Record<string, string> = {}): Promise<IntakeReply> => t.nats({ key, type, body, headers });

describe('NCMEC report number from outside the body', () => {
  it('the minimal fixture names one URL the tests can replace', () => {
    expect(fixture('cybertipline/minimal.xml').match(/<url>/g)).toHaveLength(1);
  });

  it('a header gives a CyberTipline report its id over HTTP; the stored report carries it as id and NCMEC number; a resend over NATS and a PUT get the same receipt', async () => {
    const xml = tipline('http://hoster.example.nl/outside/1');
    const first = await http('POST', '/v1/reports', DEMO_KEYS.ncmec, 'application/xml', xml, { 'relay-source-report-id': '171000001' });
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ reportId: deriveId('rpt', 'ncmec', '171000001'), source: 'ncmec', sourceReportId: '171000001', stream: 'REPORTS' });
    const stored = await t.storedReport(first.json['seq'] as number);
    expect(stored.report).toMatchObject({ sourceReportId: '171000001', ncmecReportId: '171000001', urls: ['http://hoster.example.nl/outside/1'] });
    expect(stored.headers[Header.MsgId]).toBe('ncmec:171000001');

    const before = await t.reportCount();
    const overNats = await nats(DEMO_KEYS.ncmec, 'application/xml', xml, { [Header.SourceReportId]: '171000001' });
    const put = await http('PUT', '/v1/reports/171000001', DEMO_KEYS.ncmec, 'application/xml', xml);
    const putAgain = await http('PUT', '/v1/reports/171000001', DEMO_KEYS.ncmec, 'application/xml', xml, { 'relay-source-report-id': '171000001' });
    for (const again of [overNats, put, putAgain]) expect(again).toEqual(first);
    expect(await t.reportCount()).toBe(before);
  });

  it('without one the digest-derived id stays, and the same document under a number is another report', async () => {
    const xml = tipline('http://hoster.example.nl/outside/2');
    const plain = await http('POST', '/v1/reports', DEMO_KEYS.ncmec, 'application/xml', xml);
    expect(plain).toMatchObject({ status: 202, json: { sourceReportId: ctDigestId(xml) } });
    expect((await t.storedReport(plain.json['seq'] as number)).report.ncmecReportId).toBeUndefined();
    const numbered = await http('PUT', '/v1/reports/171000002', DEMO_KEYS.ncmec, 'application/xml', xml);
    expect(numbered).toMatchObject({ status: 202, json: { sourceReportId: '171000002' } });
  });

  it('PUT stores a report under the id of its path once, then answers 409 for a different report under it, over NATS too', async () => {
    const put = await http('PUT', '/v1/reports/171000003', DEMO_KEYS.ncmec, 'application/xml', tipline('http://hoster.example.nl/outside/3'));
    expect(put.status).toBe(202);
    const other = tipline('http://hoster.example.nl/outside/3-other');
    const before = await t.reportCount();
    for (const refused of [
      await http('PUT', '/v1/reports/171000003', DEMO_KEYS.ncmec, 'application/xml', other),
      await nats(DEMO_KEYS.ncmec, 'application/xml', other, { [Header.SourceReportId]: '171000003' }),
    ]) {
      expect(refused.status).toBe(409);
      expect(refused.json).toMatchObject({ status: 409, rule: 'report-id-conflict', type: 'urn:relay:problem:report-id-conflict' });
      expect(refused.json['detail']).toContain('171000003');
    }
    expect(await t.reportCount()).toBe(before);
  });

  it('a header or path that agrees with the body id of a native or X-ARF report is accepted', async () => {
    const body = JSON.stringify({ sourceReportId: 'EOKM-agree-1', urls: ['https://example.org/agree'] });
    const viaHeader = await nats(DEMO_KEYS.eokm, 'application/json', body, { [Header.SourceReportId]: 'EOKM-agree-1' });
    expect(viaHeader).toMatchObject({ status: 202, json: { sourceReportId: 'EOKM-agree-1' } });
    expect(await http('PUT', '/v1/reports/EOKM-agree-1', DEMO_KEYS.eokm, 'application/json', body)).toEqual(viaHeader);
    const xarf = fixture('xarf-csam.json');
    const id = (JSON.parse(xarf) as { report_id: string }).report_id;
    const put = await http('PUT', `/v1/reports/${id}`, DEMO_KEYS.iwf, 'application/json', xarf);
    expect(put).toMatchObject({ status: 202, json: { sourceReportId: id } });
    // An outside id of an X-ARF report is its report_id, not NCMEC's number: the ncmecReportId stays what the body says.
    expect((await t.storedReport(put.json['seq'] as number)).report.ncmecReportId).toBe((JSON.parse(xarf) as { ncmec_report_id?: string }).ncmec_report_id);
  });

  const mismatches: { name: string; send: () => Promise<IntakeReply>; pointer: string; places: RegExp }[] = [
    {
      name: 'a header against the native sourceReportId (HTTP)',
      send: () => http('POST', '/v1/reports', DEMO_KEYS.eokm, 'application/json', JSON.stringify({ sourceReportId: 'EOKM-body', urls: ['https://example.org/m1'] }), { 'relay-source-report-id': 'EOKM-header' }),
      pointer: '/sourceReportId',
      places: /the Relay-Source-Report-Id header names source report id EOKM-header but \/sourceReportId in the body names EOKM-body/,
    },
    {
      name: 'a header against the native sourceReportId (NATS)',
      send: () => nats(DEMO_KEYS.eokm, 'application/json', JSON.stringify({ source_report_id: 'EOKM-body', urls: ['https://example.org/m1'] }), { [Header.SourceReportId]: 'EOKM-header' }),
      pointer: '/sourceReportId',
      places: /the Relay-Source-Report-Id header names source report id EOKM-header but \/sourceReportId in the body names EOKM-body/,
    },
    {
      name: 'a path against the X-ARF report_id',
      send: () => http('PUT', '/v1/reports/not-the-xarf-id', DEMO_KEYS.iwf, 'application/json', fixture('xarf-csam.json')),
      pointer: '/report_id',
      places: /the path \/v1\/reports\/\{id\} names source report id not-the-xarf-id but \/report_id in the body names 3c1e8f52-/,
    },
    {
      name: 'a path against a header',
      send: () => http('PUT', '/v1/reports/171000010', DEMO_KEYS.ncmec, 'application/xml', tipline('http://hoster.example.nl/m4'), { 'relay-source-report-id': '171000011' }),
      pointer: '',
      places: /the path \/v1\/reports\/\{id\} names source report id 171000010 but the Relay-Source-Report-Id header names 171000011/,
    },
    {
      name: 'two spellings of the header that disagree (NATS)',
      send: () => nats(DEMO_KEYS.ncmec, 'application/xml', tipline('http://hoster.example.nl/m5'), { 'Relay-Source-Report-Id': '171000012', 'relay-source-report-id': '171000013' }),
      pointer: '',
      places: /the Relay-Source-Report-Id header names source report id 17100001[23] but the Relay-Source-Report-Id header names 17100001[23]/,
    },
  ];

  it.each(mismatches)('refuses $name with a 400 naming both places, storing nothing', async ({ send, pointer, places }) => {
    const before = await t.reportCount();
    const refused = await send();
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ status: 400, rule: 'source-report-id-mismatch', type: 'urn:relay:problem:source-report-id-mismatch' });
    expect(refused.json['detail']).toMatch(places);
    if (pointer !== '') expect(refused.json['pointer']).toBe(pointer);
    expect(await t.reportCount()).toBe(before);
  });

  const hostile: { name: string; value: string }[] = [
    { name: 'a NATS wildcard', value: 'abc.>' },
    { name: 'a star', value: '*' },
    { name: 'a dot', value: 'relay.report.iwf' },
    { name: 'a colon (would forge another Nats-Msg-Id)', value: 'iwf:1' },
    { name: 'a space', value: '171 000' },
    { name: 'an empty value', value: '' },
    { name: 'a leading dash', value: '-171' },
    { name: '101 characters', value: 'a'.repeat(101) },
    { name: 'a non-ASCII letter', value: 'r\u00e9port' },
  ];

  it.each(hostile)('refuses $name as the id in the header (HTTP and NATS) and in the path, storing nothing and never echoing it', async ({ value }) => {
    const xml = tipline('http://hoster.example.nl/hostile');
    const before = await t.reportCount();
    const answers: IntakeReply[] = [await nats(DEMO_KEYS.ncmec, 'application/xml', xml, { [Header.SourceReportId]: value })];
    // A header value HTTP cannot carry (non-ASCII) is tried in the path only.
    if (/^[\x20-\x7e]*$/.test(value)) answers.push(await http('POST', '/v1/reports', DEMO_KEYS.ncmec, 'application/xml', xml, { 'relay-source-report-id': value }));
    if (value !== '') answers.push(await http('PUT', `/v1/reports/${encodeURIComponent(value)}`, DEMO_KEYS.ncmec, 'application/xml', xml));
    for (const a of answers) {
      expect(a.status).toBe(400);
      expect(a.json).toMatchObject({ rule: 'id-format', type: 'urn:relay:problem:id-format' });
      expect(a.json['detail']).toMatch(/^the (Relay-Source-Report-Id header|path \/v1\/reports\/\{id\}) is not a source report id/);
      if (value.length > 1) expect(JSON.stringify(a.json)).not.toContain(value);
    }
    expect(await t.reportCount()).toBe(before);
  });

  it('PUT with an empty id breaks the id rule, a path with more segments is no route, and PUT is authenticated like POST', async () => {
    expect(await http('PUT', '/v1/reports/', DEMO_KEYS.ncmec, 'application/xml', tipline('http://hoster.example.nl/x'))).toMatchObject({ status: 400, json: { rule: 'id-format' } });
    expect((await http('PUT', '/v1/reports/171/000', DEMO_KEYS.ncmec, 'application/xml', tipline('http://hoster.example.nl/x'))).status).toBe(404);
    expect((await http('PUT', '/v1/reports/171000020', 'demo-ncmec-not-a-key', 'application/xml', tipline('http://hoster.example.nl/x'))).status).toBe(401);
  });

  it('@relay/client submitReport sends the id as the header, and its refusal is a SubmitRefusedError with the problem', async () => {
    const xml = tipline('http://hoster.example.nl/client/1');
    const receipt = await submitReport(t.bus, DEMO_KEYS.ncmec, xml, ReportFormat.CyberTipline, { sourceReportId: '171000030' });
    expect(receipt).toMatchObject({ sourceReportId: '171000030', reportId: deriveId('rpt', 'ncmec', '171000030') });
    const err = await submitReport(t.bus, DEMO_KEYS.eokm, { sourceReportId: 'EOKM-c', urls: ['https://example.org/c'] }, ReportFormat.Native, { sourceReportId: 'EOKM-d' }).catch(
      (e: unknown) => e,
    );
    expect(isSubmitRefusedError(err)).toBe(true);
    if (isSubmitRefusedError(err)) expect(err.problem).toMatchObject({ status: 400, rule: 'source-report-id-mismatch' });
  });
});
