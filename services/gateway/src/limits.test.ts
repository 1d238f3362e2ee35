import { request } from '@relay/bus';
import { Header, subjects } from '@relay/wire';
import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/gateway.js';

const LIMIT = 5;

/** Counts are per minute window: start a burst early enough in one that it ends in the same. */
async function awayFromWindowEdge(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 8_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

const postTo = (gw: TestGateway, key: string, id: string) =>
  gw.gateway.http.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ sourceReportId: id, urls: ['https://example.org/limit'] }),
  });

const sendOverNats = (gw: TestGateway, key: string, id: string) =>
  request(gw.bus, subjects.intakeSubmit(), new TextEncoder().encode(JSON.stringify({ sourceReportId: id, urls: ['https://example.org/n'] })), {
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
  });

describe('the per-source rate limit, shared by every gateway on the same NATS', () => {
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    a = await startTestGateway({ RELAY_RATE_LIMIT: String(LIMIT) });
    b = await startTestGateway({ RELAY_RATE_LIMIT: String(LIMIT) }, { server: a.server });
  });
  afterAll(async () => {
    await b?.dispose();
    await a?.dispose();
  });

  it('admits the limit once across two gateways and both transports, then answers 429 with Retry-After, and leaves other sources alone', async () => {
    await awayFromWindowEdge();
    const before = await a.reportCount();
    const http = await Promise.all(Array.from({ length: 8 }, (_, i) => postTo(i % 2 === 0 ? a : b, DEMO_KEYS.ncmec, `lim-${i}`)));
    const nats = await Promise.all(Array.from({ length: 4 }, (_, i) => sendOverNats(i % 2 === 0 ? a : b, DEMO_KEYS.ncmec, `lim-n-${i}`)));
    const statuses = [...http.map((r) => r.statusCode), ...nats.map((r) => Number(r.headers[Header.Status]))];
    expect(statuses.filter((s) => s === 202)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - LIMIT);
    expect(await a.reportCount()).toBe(before + LIMIT);

    const limited = http.find((r) => r.statusCode === 429);
    expect(limited?.json()).toMatchObject({ status: 429, rule: 'rate-limited' });
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited?.headers['retry-after'])).toBeLessThanOrEqual(60);
    const limitedNats = nats.find((r) => r.headers[Header.Status] === '429');
    expect(Number(limitedNats?.headers['Retry-After'])).toBeGreaterThan(0);

    expect((await postTo(b, DEMO_KEYS.iwf, 'lim-iwf')).statusCode).toBe(202);
  });
});

describe('when the shared counts cannot be reached', () => {
  let t: TestGateway;
  beforeAll(async () => {
    // Connected to NATS, but no JetStream: neither the counts nor REPORTS answer.
    t = await startTestGateway({}, { jetstream: false });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('refuses with 503 and Retry-After over HTTP and NATS instead of admitting without a limit', async () => {
    const res = await postTo(t, DEMO_KEYS.eokm, 'no-store-1');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ rule: 'unavailable', detail: expect.stringMatching(/rate limit cannot be checked/) });
    const reply = await sendOverNats(t, DEMO_KEYS.eokm, 'no-store-2');
    expect(reply.headers[Header.Status]).toBe('503');
    expect(reply.headers['Retry-After']).toBe('5');
  });
});
