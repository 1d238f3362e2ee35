import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startTestGateway, type TestGateway } from '../test/gateway.js';

let t: TestGateway;
let storedBefore: number;
beforeAll(async () => {
  t = await startTestGateway();
  storedBefore = await t.reportCount();
});
afterAll(async () => {
  await t?.dispose();
});

const JSON_TYPE = 'application/json';
const XML_TYPE = 'application/xml';
const native = (extra: Record<string, unknown> = {}): string => JSON.stringify({ sourceReportId: 'hostile-1', urls: ['https://example.org/x'], ...extra });
const xarf = (extra: Record<string, unknown>): string => JSON.stringify({ ...JSON.parse(fixture('xarf-csam.json')), ...extra });
const ctXml = fixture('cybertipline-report.xml');
const ctXmlWith = (from: string, to: string): string => {
  if (!ctXml.includes(from)) throw new Error(`fixture lacks ${from}`);
  return ctXml.replace(from, to);
};
const BASE64_BLOB = Buffer.alloc(150, 0xab).toString('base64');

interface HostileCase {
  readonly name: string;
  readonly body: string | Buffer;
  readonly contentType?: string;
  readonly authorization?: string | null;
  readonly status: number;
  readonly rule: string;
  readonly pointer?: string;
}

const CASES: readonly HostileCase[] = [
  { name: 'a body over the 1 MiB limit', body: native({ reporter: { organisation: 'x' } }).padEnd(1024 * 1024 + 1, ' '), status: 413, rule: 'body-too-large' },
  { name: 'JSON nested 10,000 levels deep', body: '['.repeat(10_000) + ']'.repeat(10_000), status: 400, rule: 'too-deep' },
  { name: 'XML nested 200 levels deep', body: '<report>' + '<a>'.repeat(200) + '</a>'.repeat(200) + '</report>', contentType: XML_TYPE, status: 400, rule: 'too-deep' },
  {
    name: 'XXE: an external entity reading a local file',
    body: '<?xml version="1.0"?><!DOCTYPE report [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><report><reportId>&xxe;</reportId></report>',
    contentType: XML_TYPE,
    status: 400,
    rule: 'dtd-forbidden',
  },
  {
    name: 'billion laughs: nested entity expansion',
    body:
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><report>&lol2;</report>',
    contentType: XML_TYPE,
    status: 400,
    rule: 'dtd-forbidden',
  },
  { name: 'an external DTD by URL', body: '<!DOCTYPE report SYSTEM "http://attacker.example/x.dtd"><report/>', contentType: XML_TYPE, status: 400, rule: 'dtd-forbidden' },
  {
    name: 'an undeclared entity reference',
    body: ctXmlWith('<platform>Example Photo Hosting</platform>', '<platform>&xxe;</platform>'),
    contentType: XML_TYPE,
    status: 400,
    rule: 'unknown-entity',
    pointer: '/report/incidentSummary/platform',
  },
  { name: 'a character reference to a null byte', body: ctXmlWith('<firstName>Jane</firstName>', '<firstName>Ja&#0;ne</firstName>'), contentType: XML_TYPE, status: 400, rule: 'null-byte' },
  { name: 'urls given as a string', body: JSON.stringify({ sourceReportId: 'h', urls: 'https://example.org/x' }), status: 400, rule: 'wrong-type', pointer: '/urls' },
  { name: 'sourceReportId given as a number', body: JSON.stringify({ sourceReportId: 42, urls: ['https://example.org/x'] }), status: 400, rule: 'wrong-type', pointer: '/sourceReportId' },
  { name: 'a missing sourceReportId', body: JSON.stringify({ urls: ['https://example.org/x'] }), status: 400, rule: 'required', pointer: '/sourceReportId' },
  { name: 'a __proto__ key', body: '{"sourceReportId":"h","urls":["https://example.org/x"],"__proto__":{"admin":true}}', status: 400, rule: 'forbidden-key', pointer: '/__proto__' },
  { name: 'a nested constructor key', body: native({ reporter: { constructor: { prototype: {} } } }), status: 400, rule: 'forbidden-key', pointer: '/reporter/constructor' },
  { name: 'a prototype-polluting XML element', body: ctXmlWith('<screenName>gallery_owner</screenName>', '<__proto__>x</__proto__>'), contentType: XML_TYPE, status: 400, rule: 'forbidden-key' },
  { name: 'a wildcard sourceReportId', body: native({ sourceReportId: 'abc.>' }), status: 400, rule: 'id-format', pointer: '/sourceReportId' },
  { name: 'a dotted sourceReportId', body: native({ sourceReportId: 'relay.report.iwf' }), status: 400, rule: 'id-format', pointer: '/sourceReportId' },
  { name: 'a star in the X-ARF report_id', body: xarf({ report_id: '*' }), status: 400, rule: 'id-format', pointer: '/report_id' },
  { name: 'a raw null byte in the body', body: Buffer.from('{"sourceReportId":"h\u0000","urls":["https://example.org/x"]}'), status: 400, rule: 'null-byte' },
  { name: 'a \\u0000 escape inside a URL', body: native({ urls: ['https://example.org/\u0000x'] }), status: 400, rule: 'null-byte', pointer: '/urls/0' },
  { name: 'bytes that are not UTF-8', body: Buffer.concat([Buffer.from('{"sourceReportId":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","urls":[]}')]), status: 400, rule: 'not-utf8' },
  { name: 'a Latin-1 charset', body: native(), contentType: 'application/json; charset=iso-8859-1', status: 415, rule: 'unsupported-charset' },
  { name: 'an XML declaration in another encoding', body: ctXml.replace('encoding="UTF-8"', 'encoding="UTF-16"'), contentType: XML_TYPE, status: 415, rule: 'unsupported-charset' },
  { name: 'a 100 KB URL', body: native({ urls: [`https://example.org/${'a'.repeat(100 * 1024)}`] }), status: 400, rule: 'too-long', pointer: '/urls/0' },
  { name: 'a javascript: URL', body: native({ urls: ['javascript:alert(document.cookie)'] }), status: 400, rule: 'url-scheme', pointer: '/urls/0' },
  { name: 'an ftp: URL', body: native({ urls: ['https://example.org/ok', 'ftp://files.example.org/x.jpg'] }), status: 400, rule: 'url-scheme', pointer: '/urls/1' },
  { name: 'a data: URI as a URL', body: native({ urls: [`data:image/jpeg;base64,${BASE64_BLOB}`] }), status: 400, rule: 'content-not-accepted', pointer: '/urls/0' },
  { name: 'a relative URL', body: native({ urls: ['/gallery/1'] }), status: 400, rule: 'url-invalid', pointer: '/urls/0' },
  { name: 'a base64 blob in free text', body: native({ reporter: { organisation: BASE64_BLOB } }), status: 400, rule: 'content-not-accepted', pointer: '/reporter/organisation' },
  { name: 'an attachments field', body: native({ attachments: [{ name: 'a.jpg', data: BASE64_BLOB }] }), status: 400, rule: 'content-not-accepted', pointer: '/attachments' },
  {
    name: 'X-ARF evidence with a base64 image payload',
    body: xarf({ evidence: [{ content_type: 'image/png', payload: BASE64_BLOB }] }),
    status: 400,
    rule: 'content-not-accepted',
    pointer: '/evidence/0/content_type',
  },
  {
    name: 'X-ARF evidence of a binary media type',
    body: xarf({ evidence: [{ content_type: 'text/plain', payload: 'aGk=' }, { content_type: 'application/octet-stream', payload: BASE64_BLOB }] }),
    status: 400,
    rule: 'content-not-accepted',
    pointer: '/evidence/1/content_type',
  },
  { name: 'a data: URI in an X-ARF description', body: xarf({ description: 'see data:image/png;base64,iVBORw0KGgo=' }), status: 400, rule: 'content-not-accepted', pointer: '/description' },
  {
    name: 'a base64 file in a CyberTipline element NCMEC does not define',
    body: ctXmlWith('<screenName>gallery_owner</screenName>', `<screenName>gallery_owner</screenName><file>${BASE64_BLOB}</file>`),
    contentType: XML_TYPE,
    status: 400,
    rule: 'content-not-accepted',
    pointer: '/report/personOrUserReported/0/file',
  },
  {
    name: 'base64 in an undefined CyberTipline element with a harmless name',
    body: ctXmlWith('<platform>Example Photo Hosting</platform>', `<platform>Example Photo Hosting</platform><note>${BASE64_BLOB}</note>`),
    contentType: XML_TYPE,
    status: 400,
    rule: 'content-not-accepted',
    pointer: '/report/incidentSummary/note',
  },
  {
    name: 'a data: URI in CyberTipline free text that would be dropped',
    body: ctXmlWith('<additionalInfo>Gallery page and the file host it links to</additionalInfo>', `<additionalInfo>data:image/jpeg;base64,${BASE64_BLOB.slice(0, 40)}</additionalInfo>`),
    contentType: XML_TYPE,
    status: 400,
    rule: 'content-not-accepted',
    pointer: '/report/internetDetails/0/webPageIncident/additionalInfo',
  },
  {
    name: 'a CyberTipline fileDetails inside the report, where NCMEC does not define it',
    body: ctXmlWith('</report>', '<fileDetails><reportId>1</reportId><fileId>f</fileId></fileDetails></report>'),
    contentType: XML_TYPE,
    status: 400,
    rule: 'unknown-field',
    pointer: '/report/fileDetails',
  },
  { name: '1,001 URLs', body: native({ urls: Array.from({ length: 1001 }, (_, i) => `https://e.org/${i}`) }), status: 400, rule: 'too-many', pointer: '/urls' },
  { name: 'an MD5 of 30 hex digits', body: native({ hashes: [{ algorithm: 'HASH_ALGORITHM_MD5', value: '9e107d9d372bb6826bd81d3542a419' }] }), status: 400, rule: 'hash-length', pointer: '/hashes/0/value' },
  {
    name: 'a SHA-256 with letters outside hex',
    body: native({ hashes: [{ algorithm: 'HASH_ALGORITHM_SHA256', value: 'z7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592' }] }),
    status: 400,
    rule: 'hash-alphabet',
    pointer: '/hashes/0/value',
  },
  { name: 'an X-ARF sha1 of SHA-256 length', body: xarf({ hash_values: { sha1: 'd7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592' } }), status: 400, rule: 'hash-length', pointer: '/hash_values/sha1' },
  { name: 'an X-ARF PhotoDNA hash one byte short', body: xarf({ hash_values: { photodna: 'SeN54i2gVDqASL5bjyLsiSRNC5p/A6jIYLSsU1DS08Iq/GztphUrSg6QSJVPG5MGV4Vfrxj7csvgTOHRPqXOaknjeeItoFQ6gEi+W48i7IkkTQuafwOoyGC0rFNQ0tPCKvxs7aYVK0oOkEiVTxuTBleFX68Y+3LL4Ezh0T6lzmoUjenFp6RNGeVs2a4aVUv' } }), status: 400, rule: 'hash-length', pointer: '/hash_values/photodna' },
  { name: 'an incident time next year', body: native({ incidentTime: new Date(Date.now() + 366 * 86_400_000).toISOString() }), status: 400, rule: 'incident-time-future', pointer: '/incidentTime' },
  { name: 'an incident time that is not RFC 3339', body: native({ incidentTime: 'yesterday' }), status: 400, rule: 'format', pointer: '/incidentTime' },
  { name: 'a source in the body', body: native({ source: 'iwf' }), status: 400, rule: 'server-set-field', pointer: '/source' },
  { name: 'an unknown field', body: native({ severity: 'max' }), status: 400, rule: 'unknown-field', pointer: '/severity' },
  { name: 'a control character in free text', body: native({ reporter: { organisation: 'ACME\u0007' } }), status: 400, rule: 'control-character', pointer: '/reporter/organisation' },
  { name: 'an X-ARF report of type phishing', body: xarf({ type: 'phishing' }), status: 400, rule: 'not-allowed-value', pointer: '/type' },
  { name: 'a CyberTipline report with no web-page URL', body: fixture('cybertipline/no-web-page.xml'), contentType: XML_TYPE, status: 400, rule: 'nothing-to-route', pointer: '/report/internetDetails' },
  { name: "the old <reportId> inside <report>, which NCMEC's schema does not have", body: ctXmlWith('<incidentSummary>', '<reportId>171234567</reportId><incidentSummary>'), contentType: XML_TYPE, status: 400, rule: 'unknown-field', pointer: '/report/reportId' },
  { name: 'a CyberTipline incident time that is not an xs:dateTime', body: ctXmlWith('2026-11-01T21:40:00-05:00', 'yesterday'), contentType: XML_TYPE, status: 400, rule: 'format', pointer: '/report/incidentSummary/incidentDateTime' },
  { name: 'a CyberTipline javascript: URL', body: ctXmlWith('https://board.example.ru/t/5513', 'javascript:alert(1)'), contentType: XML_TYPE, status: 400, rule: 'url-scheme', pointer: '/report/internetDetails/1/webPageIncident/url/0' },
  { name: 'a CyberTipline fileDetails document without a hash', body: '<fileDetails><reportId>1</reportId><fileId>f</fileId></fileDetails>', contentType: XML_TYPE, status: 400, rule: 'nothing-to-route', pointer: '/fileDetails' },
  { name: 'a NCMEC response document', body: '<reportResponse><responseCode>0</responseCode><responseDescription>x</responseDescription><reportId>1</reportId></reportResponse>', contentType: XML_TYPE, status: 400, rule: 'not-allowed-value', pointer: '/reportResponse' },
  { name: 'a JSON array instead of an object', body: '[1,2,3]', status: 400, rule: 'wrong-type' },
  { name: 'truncated JSON', body: '{"sourceReportId": "h", "urls": [', status: 400, rule: 'malformed-json' },
  { name: 'an empty body', body: '', status: 400, rule: 'malformed-json' },
  { name: 'XML that is not well-formed', body: '<report><reportId>1</report>', contentType: XML_TYPE, status: 400, rule: 'malformed-xml' },
  { name: 'a text/plain body', body: 'http://example.org/x', contentType: 'text/plain', status: 415, rule: 'unsupported-media-type' },
  { name: 'no Authorization header', body: native(), authorization: null, status: 401, rule: 'unauthenticated' },
  { name: 'an unknown API key', body: native(), authorization: 'Bearer demo-ncmec-00000000000000000000000000000000', status: 401, rule: 'unauthenticated' },
  { name: 'Basic instead of Bearer', body: native(), authorization: `Basic ${Buffer.from('ncmec:secret').toString('base64')}`, status: 401, rule: 'unauthenticated' },
];

describe('hostile input', () => {
  it('has at least 30 distinct cases', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('refuses $name with $status $rule', async (c) => {
    const res = await t.gateway.http.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: {
        'content-type': c.contentType ?? JSON_TYPE,
        ...(c.authorization === null ? {} : { authorization: c.authorization ?? `Bearer ${DEMO_KEYS.ncmec}` }),
      },
      payload: c.body,
    });
    expect(res.statusCode).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = res.json();
    expect(p).toMatchObject({ type: `urn:relay:problem:${c.rule}`, status: c.status, rule: c.rule, title: expect.any(String), detail: expect.any(String) });
    if (c.pointer !== undefined) {
      expect(p.pointer).toBe(c.pointer);
      expect(p.errors[0]).toMatchObject({ pointer: c.pointer, rule: c.rule });
    }
  });

  it('wrote nothing to REPORTS and still serves a valid report afterwards', async () => {
    expect(await t.reportCount()).toBe(storedBefore);
    const health = await t.gateway.http.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    const ok = await t.gateway.http.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${DEMO_KEYS.ncmec}`, 'content-type': JSON_TYPE },
      payload: native({ sourceReportId: 'after-the-storm' }),
    });
    expect(ok.statusCode).toBe(202);
    expect(await t.reportCount()).toBe(storedBefore + 1);
  });

  it('lists every violation of a report, each with its pointer', async () => {
    const res = await t.gateway.http.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${DEMO_KEYS.ncmec}`, 'content-type': JSON_TYPE },
      payload: JSON.stringify({ sourceReportId: 'a.b', urls: ['javascript:x', 'https://ok.example/'], priority: 'URGENT' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ errors: { pointer: string; rule: string }[] }>().errors.map((e) => `${e.pointer} ${e.rule}`).sort()).toEqual([
      '/priority not-allowed-value',
      '/sourceReportId id-format',
      '/urls/0 url-scheme',
    ]);
  });
});
