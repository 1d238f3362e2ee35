import { openJsonBucket, publishMessage, request } from '@relay/bus';
import { exampleMessage, Header, KvBucket, RelayType, StreamName, subjects } from '@relay/wire';
import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/gateway.js';
import { readReport } from './read-report.js';
import { Format } from './decode.js';
import { type LedgerEntry, reportDigest } from './report-ledger.js';

/** REPORTS' duplicate window in these tests: short, so "after the window" comes quickly. */
const WINDOW_MS = 1_000;

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({}, { topology: { duplicateWindowMs: { [StreamName.Reports]: WINDOW_MS } } });
});
afterAll(async () => {
  await t?.dispose();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const native = (sourceReportId: string, url: string): string => JSON.stringify({ sourceReportId, urls: [url] });

async function overHttp(key: string, body: string): Promise<{ status: number; json: Record<string, unknown>; retryAfter: string | undefined }> {
  const res = await t.gateway.http.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload: body,
  });
  return { status: res.statusCode, json: res.json<Record<string, unknown>>(), retryAfter: res.headers['retry-after'] };
}

async function overNats(key: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const reply = await request(t.bus, subjects.intakeSubmit(), encoder.encode(body), {
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    timeoutMs: 5_000,
  });
  return { status: Number(reply.headers[Header.Status]), json: JSON.parse(decoder.decode(reply.data)) as Record<string, unknown> };
}

/** Waits until REPORTS has forgotten every msgId written before, and proves it with a probe publish. */
async function outlastDuplicateWindow(): Promise<void> {
  const probe = { msgId: `probe:${Math.random()}`, origin: 'probe' };
  const message = exampleMessage(RelayType.Report);
  await publishMessage(t.bus, 'relay.report.probe', RelayType.Report, message, probe);
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 500));
  const again = await publishMessage(t.bus, 'relay.report.probe', RelayType.Report, message, probe);
  expect(again.duplicate, 'REPORTS still remembers the msgId: the window did not pass').toBe(false);
}

function expectConflict(json: Record<string, unknown>, sourceReportId: string, secret: string): void {
  expect(json).toMatchObject({ status: 409, rule: 'report-id-conflict', type: 'urn:relay:problem:report-id-conflict' });
  expect(json['detail']).toContain(sourceReportId);
  expect(json['detail']).toMatch(/digest differs/);
  expect(JSON.stringify(json)).not.toContain(secret);
}

describe('the report digest', () => {
  const read = (document: unknown, now: Date) => {
    const r = readReport(Format.Native, document, { source: 'iwf', now });
    if (!r.ok) throw new Error('the test report is invalid');
    return r.report;
  };

  it('is the same for the same report received at another time or written with other key order, and differs when any field differs', () => {
    const a = read({ sourceReportId: 'd-1', urls: ['https://example.org/a'], priority: 'PRIORITY_HIGH' }, new Date('2026-01-01T00:00:00Z'));
    const b = read({ priority: 'PRIORITY_HIGH', urls: ['https://example.org/a'], sourceReportId: 'd-1' }, new Date('2026-06-01T00:00:00Z'));
    expect(reportDigest(a)).toBe(reportDigest(b));
    expect(reportDigest(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    const changed = [
      { sourceReportId: 'd-1', urls: ['https://example.org/b'], priority: 'PRIORITY_HIGH' },
      { sourceReportId: 'd-1', urls: ['https://example.org/a'], priority: 'PRIORITY_NORMAL' },
      { sourceReportId: 'd-1', urls: ['https://example.org/a', 'https://example.org/c'], priority: 'PRIORITY_HIGH' },
    ];
    for (const doc of changed) expect(reportDigest(read(doc, new Date('2026-01-01T00:00:00Z')))).not.toBe(reportDigest(a));
  });
});

describe('a source report id stays one report for ever', () => {
  it('refuses a different report under a used id with 409 over HTTP and NATS inside the window, and stores nothing', async () => {
    const first = await overHttp(DEMO_KEYS.iwf, native('reuse-1', 'https://example.org/first'));
    expect(first.status).toBe(202);
    const before = await t.reportCount();

    const http = await overHttp(DEMO_KEYS.iwf, native('reuse-1', 'https://example.org/second-secret'));
    expect(http.status).toBe(409);
    expectConflict(http.json, 'reuse-1', 'second-secret');
    const nats = await overNats(DEMO_KEYS.iwf, native('reuse-1', 'https://example.org/third-secret'));
    expect(nats.status).toBe(409);
    expectConflict(nats.json, 'reuse-1', 'third-secret');

    expect(await t.reportCount()).toBe(before);
    expect((await t.storedReport(first.json['seq'] as number)).report.urls).toEqual(['https://example.org/first']);
  });

  it('gives an identical resend the first receipt inside and after the window, stores nothing new, and still refuses a different one', async () => {
    const body = native('resend-1', 'https://example.org/resend');
    const first = await overHttp(DEMO_KEYS.eokm, body);
    expect(first.status).toBe(202);
    const stored = await t.reportCount();
    expect((await overNats(DEMO_KEYS.eokm, body)).json).toEqual(first.json);

    await outlastDuplicateWindow();
    const afterProbe = await t.reportCount();
    expect((await overHttp(DEMO_KEYS.eokm, body)).json).toEqual(first.json);
    expect((await overNats(DEMO_KEYS.eokm, body)).json).toEqual(first.json);
    expect(await t.reportCount()).toBe(afterProbe);
    expect(afterProbe - stored).toBe(2); // the two probe messages, nothing of the resends

    const different = await overHttp(DEMO_KEYS.eokm, native('resend-1', 'https://example.org/other-secret'));
    expect(different.status).toBe(409);
    expectConflict(different.json, 'resend-1', 'other-secret');
    const differentNats = await overNats(DEMO_KEYS.eokm, native('resend-1', 'https://example.org/other-secret'));
    expect(differentNats.status).toBe(409);
    expect(await t.reportCount()).toBe(afterProbe);
  });

  it('treats the same id of two sources as two reports', async () => {
    const a = await overHttp(DEMO_KEYS.ncmec, native('shared-id', 'https://example.org/ncmec'));
    const b = await overHttp(DEMO_KEYS.iwf, native('shared-id', 'https://example.org/iwf'));
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.json['seq']).not.toBe(b.json['seq']);
  });

  it('completes a claim left by a gateway that stopped between the ledger write and the publish', async () => {
    const body = native('crashed-1', 'https://example.org/crashed');
    const read = readReport(Format.Native, JSON.parse(body), { source: 'ncmec', now: new Date() });
    if (!read.ok) throw new Error('the test report is invalid');
    const ledger = await openJsonBucket<LedgerEntry>(t.bus, KvBucket.Intake);
    await ledger.create('ncmec.crashed-1', { digest: reportDigest(read.report) });
    const before = await t.reportCount();

    const resend = await overHttp(DEMO_KEYS.ncmec, body);
    expect(resend.status).toBe(202);
    expect(await t.reportCount()).toBe(before + 1);
    expect((await ledger.get('ncmec.crashed-1'))?.value).toEqual({ digest: reportDigest(read.report), seq: resend.json['seq'] });
    expect((await overHttp(DEMO_KEYS.ncmec, native('crashed-1', 'https://example.org/changed'))).status).toBe(409);
  });

  it('stores a resent report again when the sequence its first write was acknowledged with now holds another report (decision 0153)', async () => {
    // A leader partition on nats-server 2.9 acknowledged a write with a sequence it then gave to
    // another message. Reproduced here by pointing the ledger at another report's sequence.
    const other = await overHttp(DEMO_KEYS.iwf, native('taken-seq-other', 'https://example.org/other'));
    expect(other.status).toBe(202);
    const body = native('lost-write-1', 'https://example.org/lost-write');
    const read = readReport(Format.Native, JSON.parse(body), { source: 'ncmec', now: new Date() });
    if (!read.ok) throw new Error('the test report is invalid');
    const ledger = await openJsonBucket<LedgerEntry>(t.bus, KvBucket.Intake);
    const takenSeq = other.json['seq'] as number;
    await ledger.create('ncmec.lost-write-1', { digest: reportDigest(read.report), seq: takenSeq });
    const before = await t.reportCount();

    const resend = await overHttp(DEMO_KEYS.ncmec, body);
    expect(resend.status).toBe(202);
    expect(resend.json['seq']).not.toBe(takenSeq);
    expect(await t.reportCount()).toBe(before + 1);
    expect((await t.storedReport(resend.json['seq'] as number)).report.sourceReportId).toBe('lost-write-1');
    expect((await ledger.get('ncmec.lost-write-1'))?.value).toEqual({ digest: reportDigest(read.report), seq: resend.json['seq'] });
    // The other report is untouched, and a second resend is a plain duplicate again.
    expect((await t.storedReport(takenSeq)).report.sourceReportId).toBe('taken-seq-other');
    const again = await overHttp(DEMO_KEYS.ncmec, body);
    expect(again).toMatchObject({ status: 202, json: { seq: resend.json['seq'] } });
    expect(await t.reportCount()).toBe(before + 1);
  });

  it('lets exactly one of two gateways on one NATS store a report when both get the same id with different content at once', async () => {
    const other = await startTestGateway({}, { server: t.server });
    try {
      const ids = Array.from({ length: 12 }, (_, i) => `race-${i}`);
      const before = await t.reportCount();
      const post = (gw: TestGateway, id: string, url: string) =>
        gw.gateway.http.inject({
          method: 'POST',
          url: '/v1/reports',
          headers: { authorization: `Bearer ${DEMO_KEYS.ncmec}`, 'content-type': 'application/json' },
          payload: native(id, url),
        });
      const outcomes = await Promise.all(ids.map((id) => Promise.all([post(t, id, 'https://example.org/a'), post(other, id, 'https://example.org/b')])));
      for (const [a, b] of outcomes) expect([a.statusCode, b.statusCode].sort()).toEqual([202, 409]);
      expect(await t.reportCount()).toBe(before + ids.length);

      const same = await Promise.all([post(t, 'race-same', 'https://example.org/s'), post(other, 'race-same', 'https://example.org/s')]);
      expect(same.map((r) => r.statusCode)).toEqual([202, 202]);
      expect(same[0]?.json()).toEqual(same[1]?.json());
      expect(await t.reportCount()).toBe(before + ids.length + 1);
    } finally {
      await other.dispose();
    }
  });
});
