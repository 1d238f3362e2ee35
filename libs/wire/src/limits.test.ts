import { describe, expect, it } from 'vitest';
import {
  encodeMessage,
  encodedHashBytes,
  encodedUrlBytes,
  exampleMessage,
  HashAlgorithm,
  MAX_HASH_VALUE_BYTES,
  MAX_HASHES,
  MAX_OBSERVED_ADDRESSES,
  MAX_OBSERVED_CNAMES,
  MAX_REPORT_BYTES,
  MAX_URL_BYTES_TOTAL,
  MAX_URL_LENGTH,
  MAX_URLS,
  NATS_MAX_PAYLOAD_BYTES,
  RelayType,
  type Report,
} from './index.js';

/** Room for the headers every message carries (msg id, type, origin, traceparent, signature), generously. */
const HEADERS = 4 * 1024;
const photoDna = () => Array.from({ length: MAX_HASHES }, () => ({ algorithm: HashAlgorithm.HASH_ALGORITHM_PHOTODNA, value: Buffer.alloc(MAX_HASH_VALUE_BYTES, 0xff) }));

/** `MAX_URLS` distinct URLs filling the whole URL budget. */
function largestUrls(): string[] {
  const each = Math.floor(MAX_URL_BYTES_TOTAL / MAX_URLS) - 3;
  return Array.from({ length: MAX_URLS }, (_, i) => {
    const head = `https://site-${String(i).padStart(4, '0')}.example.nl/`;
    return head + 'p'.repeat(each - head.length);
  });
}

/** A report as large as the gateway lets through: most hashes of the largest kind, the URL budget spent, every text field full. */
function largestReport(): Report {
  const base = exampleMessage(RelayType.Report);
  return {
    ...base,
    sourceReportId: 'r'.repeat(100),
    urls: largestUrls(),
    hashes: photoDna(),
    reporter: { organisation: 'o'.repeat(200), country: 'NL', contactEmail: `${'e'.repeat(64)}@${'d'.repeat(185)}.nl` },
  };
}

describe('size limits derived from what the pipeline carries', () => {
  it('keeps 1,000 hashes of the largest kind and 1,000 URLs, and 2,048 characters a URL', () => {
    expect([MAX_HASHES, MAX_URLS, MAX_URL_LENGTH]).toEqual([1000, 1000, 2048]);
    expect(encodedHashBytes(MAX_HASH_VALUE_BYTES)).toBe(encodeMessage(RelayType.Referral, { ...exampleMessage(RelayType.Referral), hashes: photoDna().slice(0, 1) }).length - encodeMessage(RelayType.Referral, { ...exampleMessage(RelayType.Referral), hashes: [] }).length);
    // So many URLs of the longest kind would not fit a message: their total is bounded too.
    expect(MAX_URLS * encodedUrlBytes('u'.repeat(MAX_URL_LENGTH))).toBeGreaterThan(MAX_URL_BYTES_TOTAL);
  });

  it('fits the largest report the gateway accepts on REPORTS, below max_payload with its headers', () => {
    const report = largestReport();
    expect(report.urls.reduce((n, u) => n + encodedUrlBytes(u), 0)).toBeLessThanOrEqual(MAX_URL_BYTES_TOTAL);
    const bytes = encodeMessage(RelayType.Report, report).length;
    expect(bytes).toBeLessThanOrEqual(MAX_REPORT_BYTES);
    expect(bytes + HEADERS).toBeLessThan(NATS_MAX_PAYLOAD_BYTES);
  });

  it('fits the largest referral: all those hashes, the longest URL, a bounded observation and many sources', () => {
    const longest = `https://x.example.nl/${'ü'.repeat(MAX_URL_LENGTH - 21)}`;
    const base = exampleMessage(RelayType.HostingObservation);
    const address = base.addresses[0]!;
    const hosting = {
      ...base,
      url: longest,
      normalizedUrl: encodeURI(longest).slice(0, 3 * MAX_URL_LENGTH),
      cnameChain: Array.from({ length: MAX_OBSERVED_CNAMES }, () => `${'c'.repeat(63)}.${'c'.repeat(63)}.${'c'.repeat(63)}.${'c'.repeat(61)}`),
      addresses: Array.from({ length: MAX_OBSERVED_ADDRESSES }, () => ({ ...address, ip: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', asOrganisation: 'o'.repeat(200), cdn: 'c'.repeat(64) })),
    };
    const referral = { ...exampleMessage(RelayType.Referral), url: longest, hashes: photoDna(), hosting, sources: Array.from({ length: 100 }, (_, i) => `source-${i}-${'s'.repeat(50)}`) };
    const bytes = encodeMessage(RelayType.Referral, referral).length;
    expect(bytes + HEADERS).toBeLessThan(NATS_MAX_PAYLOAD_BYTES / 2);
  });
});
