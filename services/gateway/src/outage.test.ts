import { waitFor } from '@relay/testkit';
import { DEMO_KEYS } from '@relay/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/gateway.js';

let t: TestGateway | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

const submit = (gw: TestGateway, sourceReportId: string) =>
  gw.gateway.http.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { authorization: `Bearer ${DEMO_KEYS.ncmec}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ sourceReportId, urls: ['https://example.org/outage'] }),
  });

const healthStatus = async (gw: TestGateway): Promise<number> => (await gw.gateway.http.inject({ method: 'GET', url: '/healthz' })).statusCode;

describe('a 202 is never sent before the JetStream ack', () => {
  it('answers 503 while nats-server is down, and the retry succeeds once it is back', async () => {
    t = await startTestGateway();
    const gw = t;
    await gw.server.kill();
    await waitFor(async () => (await healthStatus(gw)) === 503, { what: '/healthz to report NATS down' });

    const down = await submit(gw, 'during-outage-1');
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.json()).toMatchObject({ status: 503, rule: 'unavailable' });

    await gw.server.restart();
    await waitFor(async () => (await healthStatus(gw)) === 200, { what: 'the gateway to reconnect' });
    const retry = await submit(gw, 'during-outage-1');
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toMatchObject({ sourceReportId: 'during-outage-1', stream: 'REPORTS' });
    expect((await gw.storedReport(retry.json<{ seq: number }>().seq)).report.sourceReportId).toBe('during-outage-1');
    expect(await gw.reportCount()).toBe(1);
  });

  it('answers 503 when NATS is connected but no stream acknowledges the write', async () => {
    t = await startTestGateway({}, { jetstream: false });
    expect(t.bus.isConnected()).toBe(true);
    const res = await submit(t, 'no-jetstream-1');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ rule: 'unavailable', type: 'urn:relay:problem:unavailable' });
  });
});
