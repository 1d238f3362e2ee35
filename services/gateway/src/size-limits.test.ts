import { randomBytes } from 'node:crypto';
import { encodeMessage, MAX_HASHES, MAX_REPORT_BYTES, MAX_URL_BYTES_TOTAL, MAX_URLS, RelayType } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { Format } from './decode.js';
import { readReport } from './read-report.js';

const now = new Date('2026-11-02T09:15:00Z');
const hashes = (n: number) => Array.from({ length: n }, () => ({ algorithm: 'HASH_ALGORITHM_PHOTODNA', value: randomBytes(144).toString('hex') }));
/** `MAX_URLS` distinct URLs of `each` bytes (dotted, so no long run looks like an encoded file). */
const urls = (each: number) => Array.from({ length: MAX_URLS }, (_, i) => `https://site-${String(i).padStart(4, '0')}.example.nl/`.padEnd(each, 'page.'));
const native = (u: string[], h: unknown[]) => ({ sourceReportId: 'big-1', urls: u, hashes: h });

describe('report size limits derived from what the pipeline carries (decision 0094)', () => {
  it('accepts the largest report, which fits REPORTS: 1,000 PhotoDNA hashes and 1,000 URLs spending the URL budget', () => {
    const each = Math.floor(MAX_URL_BYTES_TOTAL / MAX_URLS) - 3;
    const result = readReport(Format.Native, native(urls(each), hashes(MAX_HASHES)), { source: 'iwf', now });
    expect(result.ok).toBe(true);
    if (result.ok) expect(encodeMessage(RelayType.Report, result.report).length).toBeLessThanOrEqual(MAX_REPORT_BYTES);
  });

  it('refuses URLs that are each short enough but together more than a message can carry', () => {
    const each = Math.floor(MAX_URL_BYTES_TOTAL / MAX_URLS) + 10;
    const result = readReport(Format.Native, native(urls(each), hashes(1)), { source: 'iwf', now });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(JSON.stringify(result.problem)).toMatch(new RegExp(`at most ${MAX_URL_BYTES_TOTAL} are accepted`));
  });
});
