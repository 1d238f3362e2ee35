import { AgeGroup, CsamCategory, HashAlgorithm, IncidentType, Priority } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { fixture } from '../test/gateway.js';
import { decodeBody, Format } from './decode.js';
import { readHash } from './fields.js';
import { CLOCK_SKEW_MS, readReport } from './read-report.js';

const NOW = new Date('2026-11-02T10:00:00Z');
const LIMIT = 1024 * 1024;

function read(contentType: string, text: string, now = NOW) {
  const decoded = decodeBody(Buffer.from(text), contentType, LIMIT);
  if (!decoded.ok) return { decoded, result: undefined };
  return { decoded, result: readReport(decoded.format, decoded.tree, { source: 'iwf', now }) };
}

describe('hash values', () => {
  const md5 = '9e107d9d372bb6826bd81d3542a419d6';
  it.each([
    ['MD5 hex', HashAlgorithm.HASH_ALGORITHM_MD5, md5, true, true],
    ['MD5 upper-case hex', HashAlgorithm.HASH_ALGORITHM_MD5, md5.toUpperCase(), true, true],
    ['MD5 base64', HashAlgorithm.HASH_ALGORITHM_MD5, Buffer.from(md5, 'hex').toString('base64'), true, true],
    ['MD5 base64 where only hex is allowed', HashAlgorithm.HASH_ALGORITHM_MD5, Buffer.from(md5, 'hex').toString('base64'), false, false],
    ['SHA-1 url-safe base64', HashAlgorithm.HASH_ALGORITHM_SHA1, Buffer.alloc(20, 0xfb).toString('base64url') + '=', true, true],
    ['SHA-256 base64 without padding', HashAlgorithm.HASH_ALGORITHM_SHA256, Buffer.alloc(32, 1).toString('base64').replace(/=+$/, ''), true, false],
    ['PhotoDNA 288 hex', HashAlgorithm.HASH_ALGORITHM_PHOTODNA, 'ab'.repeat(144), false, true],
    ['PhotoDNA 192 base64', HashAlgorithm.HASH_ALGORITHM_PHOTODNA, Buffer.alloc(144, 7).toString('base64'), true, true],
    ['PhotoDNA base64 with a space', HashAlgorithm.HASH_ALGORITHM_PHOTODNA, ` ${Buffer.alloc(144, 7).toString('base64').slice(1)}`, true, false],
    ['an unspecified algorithm', HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED, md5, true, false],
  ])('%s', (_name, algorithm, value, base64, ok) => {
    const r = readHash(algorithm, value, { base64 });
    expect(r.ok).toBe(ok);
    if (r.ok) expect(r.bytes.length).toBe({ 1: 16, 2: 20, 3: 32, 4: 144 }[algorithm as 1 | 2 | 3 | 4]);
  });
});

describe('format mapping', () => {
  it('maps an X-ARF csem report: trafficking and the victim age range, no hashes', () => {
    const doc = JSON.parse(fixture('xarf-csam.json')) as Record<string, unknown>;
    delete doc['classification'];
    delete doc['media_type'];
    delete doc['hash_values'];
    const csem = { ...doc, type: 'csem', exploitation_type: 'trafficking', victim_age_range: 'toddler', detection_method: 'manual_review', platform: 'forum' };
    const { result } = read('application/json', JSON.stringify(csem));
    expect(result?.ok && result.report).toMatchObject({
      source: 'iwf',
      incidentType: IncidentType.INCIDENT_TYPE_CHILD_SEX_TRAFFICKING,
      hashes: [],
      classification: { category: CsamCategory.CSAM_CATEGORY_UNSPECIFIED, ageGroup: AgeGroup.AGE_GROUP_INFANT },
    });
  });

  it('reads a CyberTipline report without escalation as normal priority, also as text/xml', () => {
    const xml = fixture('cybertipline-report.xml').replace(/<escalateToHighPriority>.*<\/escalateToHighPriority>/, '');
    const { decoded, result } = read('text/xml; charset=UTF-8', xml);
    expect(decoded.ok && decoded.format).toBe(Format.CyberTipline);
    expect(result?.ok && result.report.priority).toBe(Priority.PRIORITY_NORMAL);
  });

  it('decodes the predefined XML entities and character references in values', () => {
    const xml = fixture('cybertipline-report.xml').replace('<url>https://board.example.ru/t/5513</url>', '<url>https://board.example.ru/t/&#x35;513?a=1&amp;b=&apos;2&apos;</url>');
    const { result } = read('application/xml', xml);
    expect(result?.ok && result.report.urls[2]).toBe("https://board.example.ru/t/5513?a=1&b='2'");
  });

  it('takes the source from the caller and derives the id from it, whatever the body says', () => {
    const a = readReport(Format.Native, { sourceReportId: 'r1', urls: ['https://e.org/'] }, { source: 'eokm', now: NOW });
    const b = readReport(Format.Native, { sourceReportId: 'r1', urls: ['https://e.org/'] }, { source: 'iwf', now: NOW });
    expect(a.ok && b.ok && [a.report.source, b.report.source]).toEqual(['eokm', 'iwf']);
    expect(a.ok && b.ok && a.report.id !== b.report.id).toBe(true);
  });

  it('accepts an incident time within the clock skew and refuses one just beyond it', () => {
    const at = (ms: number) => readReport(Format.Native, { sourceReportId: 'r2', urls: ['https://e.org/'], incidentTime: new Date(NOW.getTime() + ms).toISOString() }, { source: 'iwf', now: NOW });
    expect(at(CLOCK_SKEW_MS).ok).toBe(true);
    const late = at(CLOCK_SKEW_MS + 1000);
    expect(!late.ok && late.problem.rule).toBe('incident-time-future');
  });

  it('refuses more than 1,000 URLs spread over several CyberTipline incidents', () => {
    const urls = (from: number) => Array.from({ length: 600 }, (_, i) => `<url>https://e.org/${from + i}</url>`).join('');
    const xml = fixture('cybertipline-report.xml')
      .replace('<url>http://images.example.nl/gallery/1</url>', urls(0))
      .replace('<url>https://board.example.ru/t/5513</url>', urls(600));
    const { result } = read('application/xml', xml);
    expect(result?.ok === false && result.problem).toMatchObject({ rule: 'too-many', pointer: '/report/internetDetails' });
  });

  it('strips a UTF-8 byte order mark', () => {
    const { result } = read('application/json', `\uFEFF${JSON.stringify({ sourceReportId: 'bom', urls: ['https://e.org/'] })}`);
    expect(result?.ok).toBe(true);
  });
});
