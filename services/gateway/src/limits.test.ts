import { request } from '@relay/bus';
import { Header, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWindowLimiter } from './limits.js';
import { DEMO_KEYS, startTestGateway, type TestGateway } from './test-gateway.js';

describe('the window limiter', () => {
  it('allows `limit` events per key per window and says how long to wait', () => {
    let now = 1_000_000;
    const limiter = createWindowLimiter(60_000, () => now);
    expect([1, 2, 3].map(() => limiter.take('ncmec', 3))).toEqual([0, 0, 0]);
    expect(limiter.take('ncmec', 3)).toBe(60);
    expect(limiter.take('iwf', 3)).toBe(0);
    now += 45_000;
    expect(limiter.take('ncmec', 3)).toBe(15);
    now += 15_000;
    expect(limiter.take('ncmec', 3)).toBe(0);
  });
});

describe('the per-source rate limit', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ RELAY_RATE_LIMIT: '3' });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const post = (key: string, id: string) =>
    t.gateway.http.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ sourceReportId: id, urls: ['https://example.org/limit'] }),
    });

  it('answers 429 over HTTP once a source sent its limit, with Retry-After, and leaves other sources alone', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(DEMO_KEYS.ncmec, `lim-${i}`)).statusCode);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const limited = await post(DEMO_KEYS.ncmec, 'lim-9');
    expect(limited.json()).toMatchObject({ status: 429, rule: 'rate-limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await post(DEMO_KEYS.iwf, 'lim-iwf')).statusCode).toBe(202);
  });

  it('answers Relay-Status 429 over NATS once a source sent its limit', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const reply = await request(t.bus, subjects.intakeSubmit(), new TextEncoder().encode(JSON.stringify({ sourceReportId: `nl-${i}`, urls: ['https://example.org/n'] })), {
        headers: { Authorization: `Bearer ${DEMO_KEYS.eokm}`, 'Content-Type': 'application/json' },
      });
      statuses.push(reply.headers[Header.Status]);
    }
    expect(statuses).toEqual(['202', '202', '202', '429']);
  });
});
