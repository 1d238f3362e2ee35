import { AgeGroup, CsamCategory, deriveId, Header, HashAlgorithm } from '@relay/wire';
import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, type IntakeReply, startTestGateway, type TestGateway } from '../test/gateway.js';

/**
 * NCMEC's `<fileDetails>` at the intake (issue 15, item 3; decision 0101): a
 * schema-valid document joins the report it names, its hashes and
 * classification relayed and everything else dropped; a resend stores
 * nothing; a file of a report the relay does not hold is refused.
 */

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.dispose();
});


const FIXTURE_NUMBER = '171000900';
const report = (url: string): string => fixture('cybertipline/minimal.xml').replace(/<url>[^<]*<\/url>/, `<url>${url}</url>`);
const fileOf = (number: string, edit: (xml: string) => string = (x) => x): string => edit(fixture('cybertipline/file-details.xml').replace(`<reportId>${FIXTURE_NUMBER}</reportId>`, `<reportId>${number}</reportId>`));

const http = (method: 'POST' | 'PUT', path: string, body: string, headers: Record<string, string> = {}): Promise<IntakeReply> =>
  t.http(method, path, { key: DEMO_KEYS.ncmec, type: 'application/xml', body, headers });
const nats = (body: string, headers: Record<string, string> = {}): Promise<IntakeReply> => t.nats({ key: DEMO_KEYS.ncmec, type: 'application/xml', body, headers });

/** Stores a report under NCMEC's number and returns its relay id. */
async function numbered(number: string, url: string): Promise<string> {
  const r = await http('PUT', `/v1/reports/${number}`, report(url));
  expect(r.status).toBe(202);
  return r.json['reportId'] as string;
}

describe('a CyberTipline fileDetails', () => {
  it('the corpus fileDetails (schema-valid) joins its report: its hashes and classification are stored with the report URLs and a link, the rest dropped and listed', async () => {
    const parent = await numbered(FIXTURE_NUMBER, 'http://images.example.nl/files/1');
    const a = await http('POST', '/v1/reports', fixture('cybertipline/file-details.xml'));
    expect(a.status).toBe(202);
    const fileId = a.json['sourceReportId'] as string;
    expect(fileId).toMatch(new RegExp(`^${FIXTURE_NUMBER}-file-[0-9a-f]{32}$`));
    expect(a.json).toMatchObject({ reportId: deriveId('rpt', 'ncmec', fileId), source: 'ncmec', stream: 'REPORTS' });
    expect(a.json['dropped']).toEqual([
      '/fileDetails/fileId',
      '/fileDetails/fileName',
      '/fileDetails/originalFileName',
      '/fileDetails/uploadedToEspTimestamp',
      '/fileDetails/locationOfFile',
      '/fileDetails/fileViewedByEsp',
      '/fileDetails/exifViewedByEsp',
      '/fileDetails/publiclyAvailable',
      '/fileDetails/fileRelevance',
      '/fileDetails/potentialMeme',
      '/fileDetails/originalFileHash/2',
      '/fileDetails/ipCaptureEvent',
      '/fileDetails/details',
      '/fileDetails/additionalInfo',
    ]);
    const stored = await t.storedReport(a.json['seq'] as number);
    expect(stored.subject).toBe('relay.report.ncmec');
    expect(stored.headers[Header.MsgId]).toBe(`ncmec:${fileId}`);
    expect(stored.report).toMatchObject({
      supplements: parent,
      ncmecReportId: FIXTURE_NUMBER,
      urls: ['http://images.example.nl/files/1'],
      classification: { category: CsamCategory.CSAM_CATEGORY_A1, ageGroup: AgeGroup.AGE_GROUP_PREPUBESCENT },
    });
    expect(stored.report.hashes.map((h) => [h.algorithm, Buffer.from(h.value).toString('hex')])).toEqual([
      [HashAlgorithm.HASH_ALGORITHM_MD5, '9e107d9d372bb6826bd81d3542a419d6'],
      [HashAlgorithm.HASH_ALGORITHM_SHA1, '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12'],
    ]);
    // No personal data or free text of the file reaches the stream.
    const bytes = Buffer.from(JSON.stringify(stored)).toString();
    for (const value of ['holiday.jpg', 'upload-0001', '192.0.2.44', 'Example camera', 'mobile client', '5a9b0c1d2e3f']) expect(bytes).not.toContain(value);
  });

  it('sent again (HTTP or NATS, reindented, with its number in the header) gets the first receipt and stores nothing', async () => {
    await numbered('171000901', 'http://images.example.nl/files/2');
    const first = await http('POST', '/v1/reports', fileOf('171000901'));
    expect(first.status).toBe(202);
    const before = await t.reportCount();
    const again = [
      await http('POST', '/v1/reports', fileOf('171000901')),
      await nats(fileOf('171000901', (x) => x.replaceAll('\n  ', '\n    ')), { [Header.SourceReportId]: '171000901' }),
      // The same file listed with its hashes in another order is the same file.
      await http('POST', '/v1/reports', fileOf('171000901', (x) => x.replace(/(<originalFileHash hashType="MD5">[^<]*<\/originalFileHash>)\s*(<originalFileHash hashType="SHA1">[^<]*<\/originalFileHash>)/, '$2\n  $1'))),
    ];
    for (const a of again) expect(a).toMatchObject({ status: 202, json: { reportId: first.json['reportId'], seq: first.json['seq'] } });
    expect(await t.reportCount()).toBe(before);
  });

  it('for a report the relay does not hold is refused with 409 report-not-known, over HTTP and NATS, storing nothing', async () => {
    // Stored without its number: the relay cannot know it is report 171000902.
    expect((await http('POST', '/v1/reports', report('http://images.example.nl/files/3'))).status).toBe(202);
    const before = await t.reportCount();
    for (const refused of [await http('POST', '/v1/reports', fileOf('171000902')), await nats(fileOf('171000902'))]) {
      expect(refused.status).toBe(409);
      expect(refused.json).toMatchObject({ rule: 'report-not-known', type: 'urn:relay:problem:report-not-known', pointer: '/fileDetails/reportId' });
      expect(refused.json['detail']).toMatch(/no report 171000902 of ncmec is known to the relay.*send the report first with its number/);
    }
    expect(await t.reportCount()).toBe(before);
    // Once the report is in, the same fileDetails joins it.
    await numbered('171000902', 'http://images.example.nl/files/3');
    expect((await http('POST', '/v1/reports', fileOf('171000902'))).status).toBe(202);
  });

  it("never joins another source's report: a file sent under another API key finds no report of that number", async () => {
    await numbered('171000904', 'http://images.example.nl/files/5');
    const res = await t.gateway.http.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${DEMO_KEYS.iwf}`, 'content-type': 'application/xml' },
      payload: fileOf('171000904'),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ rule: 'report-not-known' });
    expect(res.json<{ detail: string }>().detail).toContain('of iwf');
  });

  const refusals: { name: string; body: () => string; headers?: Record<string, string>; status: number; rule: string; pointer?: string }[] = [
    { name: 'a header naming another report', body: () => fileOf('171000903'), headers: { 'relay-source-report-id': '171000999' }, status: 400, rule: 'source-report-id-mismatch', pointer: '/fileDetails/reportId' },
    { name: 'no hash of a type the relay carries', body: () => fileOf('171000903', (x) => x.replace(/hashType="(MD5|SHA1)"/g, 'hashType="PDQ"')), status: 400, rule: 'nothing-to-route', pointer: '/fileDetails' },
    { name: 'an MD5 that is not one', body: () => fileOf('171000903', (x) => x.replace('9e107d9d372bb6826bd81d3542a419d6', 'not-a-digest')), status: 400, rule: 'hash-length', pointer: '/fileDetails/originalFileHash/0' },
    { name: 'a data: URI in dropped free text', body: () => fileOf('171000903', (x) => x.replace('Uploaded from a mobile client.', 'data:image/png;base64,iVBORw0KGgo=')), status: 400, rule: 'content-not-accepted', pointer: '/fileDetails/additionalInfo' },
    // libxml2 names the element it met where fileId was expected.
    { name: 'a document NCMEC\'s schema refuses (no fileId)', body: () => fileOf('171000903', (x) => x.replace(/<fileId>[^<]*<\/fileId>/, '')), status: 400, rule: 'unknown-field', pointer: '/fileDetails/fileName' },
    {
      name: 'more hashes than a report may carry',
      body: () =>
        fileOf('171000903', (x) =>
          x.replace(
            '<ipCaptureEvent>',
            `${Array.from({ length: 1_001 }, (_, i) => `<originalFileHash hashType="MD5">${i.toString(16).padStart(32, '0')}</originalFileHash>`).join('\n')}\n  <ipCaptureEvent>`,
          ),
        ),
      status: 400,
      rule: 'too-many',
      pointer: '/fileDetails/originalFileHash',
    },
    { name: 'a report number with a sign', body: () => fileOf('+171000903'), status: 400, rule: 'id-format', pointer: '/fileDetails/reportId' },
  ];

  it.each(refusals)('refuses $name, storing nothing', async ({ body, headers, status, rule, pointer }) => {
    await numbered('171000903', 'http://images.example.nl/files/4').catch(() => undefined);
    const before = await t.reportCount();
    const refused = await http('POST', '/v1/reports', body(), headers);
    expect(refused.status, JSON.stringify(refused.json)).toBe(status);
    expect(refused.json['rule']).toBe(rule);
    if (pointer !== undefined) expect(refused.json['pointer']).toBe(pointer);
    expect(await t.reportCount()).toBe(before);
  });
});
