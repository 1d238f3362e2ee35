import { request } from '@relay/bus';
import { isSubmitRefusedError, ReportFormat, submitReport } from '@relay/client';
import { deriveId, Header, subjects } from '@relay/wire';
import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctDigestId, fixture, startTestGateway, type TestGateway } from '../test/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.dispose();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function submitOverNats(body: string, headers: Record<string, string>): Promise<{ status: string | undefined; json: Record<string, unknown>; raw: string }> {
  const reply = await request(t.bus, subjects.intakeSubmit(), encoder.encode(body), { headers, timeoutMs: 5_000 });
  const raw = decoder.decode(reply.data);
  return { status: reply.headers[Header.Status], json: JSON.parse(raw) as Record<string, unknown>, raw };
}

describe('the NATS intake on relay.intake.submit', () => {
  it('stores a CyberTipline report and replies with the receipt and Relay-Status 202', async () => {
    const before = await t.reportCount();
    const reply = await submitOverNats(fixture('cybertipline-report.xml'), { Authorization: `Bearer ${DEMO_KEYS.ncmec}`, 'Content-Type': 'application/xml' });
    expect(reply.status).toBe('202');
    const sourceReportId = ctDigestId(fixture('cybertipline-report.xml'));
    expect(reply.json).toMatchObject({ reportId: deriveId('rpt', 'ncmec', sourceReportId), source: 'ncmec', sourceReportId, stream: 'REPORTS' });
    // The reply body is the receipt, with what the relay dropped.
    expect(reply.json['dropped']).toContain('/report/reporter');
    expect(await t.reportCount()).toBe(before + 1);
    expect((await t.storedReport(reply.json['seq'] as number)).subject).toBe('relay.report.ncmec');
  });

  it('gives the same receipt as HTTP for the same report', async () => {
    const body = JSON.stringify({ sourceReportId: 'both-ways-1', urls: ['https://example.org/both'] });
    const overNats = await submitOverNats(body, { Authorization: `Bearer ${DEMO_KEYS.eokm}`, 'Content-Type': 'application/json' });
    const overHttp = await t.gateway.http.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${DEMO_KEYS.eokm}`, 'content-type': 'application/json' },
      payload: body,
    });
    expect(overNats.status).toBe('202');
    expect(overHttp.body).toBe(overNats.raw);
  });

  it('validates the same way: a javascript: URL is a 400 problem naming the field', async () => {
    const before = await t.reportCount();
    const reply = await submitOverNats(JSON.stringify({ sourceReportId: 'n1', urls: ['javascript:alert(1)'] }), {
      Authorization: `Bearer ${DEMO_KEYS.eokm}`,
      'Content-Type': 'application/json',
    });
    expect(reply.status).toBe('400');
    expect(reply.json).toMatchObject({ rule: 'url-scheme', pointer: '/urls/0', type: 'urn:relay:problem:url-scheme' });
    expect(await t.reportCount()).toBe(before);
  });

  it('refuses a request without a key (401) or without a content type (415)', async () => {
    const body = JSON.stringify({ sourceReportId: 'n2', urls: ['https://example.org/n2'] });
    expect((await submitOverNats(body, { 'Content-Type': 'application/json' })).status).toBe('401');
    const noType = await submitOverNats(body, { Authorization: `Bearer ${DEMO_KEYS.eokm}` });
    expect(noType.status).toBe('415');
    expect(noType.json['rule']).toBe('unsupported-media-type');
  });

  it('speaks the contract libs/client codes against: a receipt, or SubmitRefusedError with the problem', async () => {
    const receipt = await submitReport(t.bus, DEMO_KEYS.iwf, fixture('xarf-csam.json'), ReportFormat.Xarf);
    expect(receipt).toMatchObject({ reportId: deriveId('rpt', 'iwf', '3c1e8f52-7a4d-4f0e-9b61-2d5a7c9e0f13'), stream: 'REPORTS' });
    const refused = await submitReport(t.bus, DEMO_KEYS.iwf, { sourceReportId: 'c1', urls: [] }).catch((err: unknown) => err);
    expect(isSubmitRefusedError(refused) && refused.problem).toMatchObject({ status: 400, errors: [{ pointer: '/urls', rule: 'too-short' }] });
  });
});
