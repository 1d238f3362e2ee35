import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.dispose();
});

describe('the HTTP API around the intake', () => {
  it('serves an OpenAPI 3.1 document whose schemas come from the zod schemas, on the ops port', async () => {
    const res = await t.gateway.ops.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<string, { post: { requestBody: { content: Record<string, unknown> }; responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, Record<string, unknown> & { properties: Record<string, Record<string, unknown>> }> };
    }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/healthz', '/v1/reports', '/v1/reports/{id}', '/v1/status']);
    // The id from outside the body: a header on both operations, the path on PUT, with the body id's rule.
    const put = (doc.paths['/v1/reports/{id}'] as unknown as { put: { parameters: { name: string; in: string; schema: { pattern: string } }[]; responses: Record<string, unknown> } }).put;
    expect(put.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id', 'header:Relay-Source-Report-Id']);
    expect(new RegExp(put.parameters[0]?.schema.pattern ?? '').test('171000123')).toBe(true);
    expect(new RegExp(put.parameters[0]?.schema.pattern ?? '').test('abc.>')).toBe(false);
    expect(Object.keys(put.responses)).toContain('202');
    expect((doc.paths['/v1/reports'] as unknown as { post: { parameters: { name: string }[] } }).post.parameters.map((p) => p.name)).toEqual(['Relay-Source-Report-Id']);
    const post = doc.paths['/v1/reports']?.post;
    expect(Object.keys(post?.requestBody.content ?? {})).toEqual(['application/json', 'application/vnd.xarf+json', 'application/xml']);
    expect(Object.keys(post?.responses ?? {})).toEqual(['202', '400', '401', '403', '409', '413', '415', '429', '503']);
    const { NativeReport: native, XarfContentReport: xarf, Problem: problem, Receipt: receipt } = doc.components.schemas;
    expect(native?.required).toEqual(['sourceReportId', 'urls']);
    expect(native?.additionalProperties).toBe(false);
    expect(native?.properties['urls']).toMatchObject({ type: 'array', maxItems: 1000, items: { maxLength: 2048 } });
    expect(native?.properties['incidentType']?.['enum']).toContain('INCIDENT_TYPE_CHILD_PORNOGRAPHY');
    expect(xarf?.['oneOf']).toHaveLength(2);
    expect(problem?.properties['rule']?.['enum']).toContain('content-not-accepted');
    expect(receipt?.['required']).toEqual(['reportId', 'source', 'sourceReportId', 'stream', 'seq', 'dropped']);
  });

  it('renders the docs page at /docs on the ops port', async () => {
    const res = await fetch(`${t.gateway.opsUrl}/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/swagger/i);
  });

  it('serves the docs assets and the same document under /docs, and a 404 problem for what the docs do not have', async () => {
    const css = await fetch(`${t.gateway.opsUrl}/docs/static/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await css.text()).length).toBeGreaterThan(1000);
    const inner = await fetch(`${t.gateway.opsUrl}/docs/json`);
    const outer = await fetch(`${t.gateway.opsUrl}/openapi.json`);
    expect(await inner.json()).toEqual(await outer.json());
    const missing = await fetch(`${t.gateway.opsUrl}/docs/static/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ rule: 'not-found', status: 404 });
  });

  it('keeps /metrics, /docs and /openapi.json off the public port, which answers only /v1 and /healthz', async () => {
    for (const path of ['/metrics', '/docs', '/docs/static/swagger-ui.css', '/docs/json', '/openapi.json']) {
      const res = await fetch(`${t.gateway.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ rule: 'not-found' });
      expect((await fetch(`${t.gateway.opsUrl}${path}`)).status, path).toBe(200);
    }
    expect(t.gateway.opsPort).not.toBe(t.gateway.port);
    expect((await fetch(`${t.gateway.url}/healthz`)).status).toBe(200);
  });

  it('reports readiness on /healthz of both ports and counts intake outcomes on the ops port\'s /metrics', async () => {
    const health = await t.gateway.http.inject({ method: 'GET', url: '/healthz' });
    expect(health.json()).toEqual({ status: 'ok', checks: { nats: true, topology: true } });
    expect((await t.gateway.ops.inject({ method: 'GET', url: '/healthz' })).json()).toEqual(health.json());

    const headers = { authorization: `Bearer ${DEMO_KEYS.iwf}`, 'content-type': 'application/json' };
    await t.gateway.http.inject({ method: 'POST', url: '/v1/reports', headers, payload: JSON.stringify({ sourceReportId: 'm-1', urls: ['https://example.org/m'] }) });
    await t.gateway.http.inject({ method: 'POST', url: '/v1/reports', headers, payload: JSON.stringify({ sourceReportId: 'm-1', urls: ['https://example.org/m'] }) });
    await t.gateway.http.inject({ method: 'POST', url: '/v1/reports', headers, payload: '{' });
    await t.gateway.http.inject({ method: 'POST', url: '/v1/reports', headers, payload: JSON.stringify({ sourceReportId: 'm-1', urls: ['https://example.org/other'] }) });
    const text = await (await fetch(`${t.gateway.opsUrl}/metrics`)).text();
    expect(text).toMatch(/relay_intake_reports_total\{source="iwf",format="native",outcome="stored",service="gateway"\} 1/);
    expect(text).toMatch(/relay_intake_reports_total\{source="iwf",format="native",outcome="duplicate",service="gateway"\} 1/);
    expect(text).toMatch(/relay_gateway_refusals_total\{status="400",rule="malformed-json",service="gateway"\} 1/);
    expect(text).toMatch(/relay_gateway_refusals_total\{status="409",rule="report-id-conflict",service="gateway"\} 1/);
    expect(text).toMatch(/relay_published_total\{root="relay.report",outcome="stored",service="gateway"\}/);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await t.gateway.http.inject({ method: 'GET', url: '/v2/reports' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ rule: 'not-found', status: 404 });
  });
});
