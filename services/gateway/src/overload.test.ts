// Issue 21, item 3: a load above capacity is shed with 503 `overloaded` and
// Retry-After before the gateway holds more than RELAY_MAX_IN_FLIGHT
// submissions, over HTTP and NATS together; every 202 is stored.
import { connect, type Socket } from 'node:net';
import { waitFor } from '@relay/testkit';
import { DEMO_KEYS } from '@relay/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/gateway.js';

let t: TestGateway | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await t?.dispose();
  t = undefined;
});

const body = (id: string) => JSON.stringify({ sourceReportId: id, urls: [`https://example.org/overload/${id}`] });

/** Starts a POST whose body is held back: the gateway has admitted it and waits for the rest. */
function heldPost(gw: TestGateway, id: string): { socket: Socket; finish(): Promise<string> } {
  const payload = Buffer.from(body(id));
  const socket = connect(gw.gateway.port, '127.0.0.1');
  sockets.push(socket);
  let answer = '';
  socket.on('data', (d) => (answer += d.toString('latin1')));
  socket.write(
    `POST /v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${DEMO_KEYS.ncmec}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${payload.length}\r\nConnection: close\r\n\r\n`,
  );
  socket.write(payload.subarray(0, 5));
  return {
    socket,
    finish: async () => {
      socket.write(payload.subarray(5));
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      return answer;
    },
  };
}

const inFlight = async (gw: TestGateway): Promise<number> => {
  const text = await (await fetch(`${gw.gateway.opsUrl}/metrics`)).text();
  return Number(/^relay_gateway_in_flight\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? NaN);
};

const post = (gw: TestGateway, id: string) =>
  fetch(`${gw.gateway.url}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_KEYS.ncmec}`, 'content-type': 'application/json' },
    body: body(id),
  });

describe('load shedding at the gateway', () => {
  it('refuses with 503 overloaded and Retry-After on HTTP and NATS while all places are held, and takes reports again once they free', async () => {
    t = await startTestGateway({ RELAY_MAX_IN_FLIGHT: '2' });
    const gw = t;
    const held = [heldPost(gw, 'held-1'), heldPost(gw, 'held-2')];
    await waitFor(async () => (await inFlight(gw)) === 2, { what: 'two submissions held by the gateway' });

    const shedHttp = await post(gw, 'shed-http');
    expect(shedHttp.status).toBe(503);
    expect(shedHttp.headers.get('retry-after')).toBe('1');
    expect(await shedHttp.json()).toMatchObject({ status: 503, rule: 'overloaded', type: 'urn:relay:problem:overloaded' });
    const shedNats = await gw.nats({ key: DEMO_KEYS.ncmec, type: 'application/json', body: body('shed-nats') });
    expect(shedNats).toMatchObject({ status: 503, json: { rule: 'overloaded' } });

    const answers = await Promise.all(held.map((h) => h.finish()));
    for (const a of answers) expect(a).toMatch(/^HTTP\/1\.1 202 /);
    await waitFor(async () => (await inFlight(gw)) === 0, { what: 'every place given back' });
    expect((await post(gw, 'after')).status).toBe(202);
    // The shed ones were never stored; the held ones and the last one were.
    expect(await gw.reportCount()).toBe(3);
  });

  it('gives a place back when a client goes away mid-body', async () => {
    t = await startTestGateway({ RELAY_MAX_IN_FLIGHT: '1' });
    const gw = t;
    const held = heldPost(gw, 'gone');
    await waitFor(async () => (await inFlight(gw)) === 1, { what: 'the submission held' });
    held.socket.destroy();
    await waitFor(async () => (await inFlight(gw)) === 0, { what: 'the place given back' });
    expect((await post(gw, 'next')).status).toBe(202);
  });

  it('under a burst far above its bound answers each submission 202 or 503 overloaded, and stores exactly the 202s', async () => {
    t = await startTestGateway({ RELAY_MAX_IN_FLIGHT: '4', RELAY_PUBLISH_TIMEOUT_MS: '10000' });
    const gw = t;
    const ids = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
    const results = await Promise.all(ids.map(async (id) => ({ id, res: await post(gw, id) })));
    const accepted = results.filter((r) => r.res.status === 202);
    const shed = results.filter((r) => r.res.status === 503);
    expect(accepted.length + shed.length).toBe(ids.length);
    for (const r of shed) {
      expect(r.res.headers.get('retry-after')).toBe('1');
      expect(await r.res.json()).toMatchObject({ rule: 'overloaded' });
    }
    expect(accepted.length).toBeGreaterThan(0);
    expect(shed.length).toBeGreaterThan(0);
    expect(await gw.reportCount()).toBe(accepted.length);
    await waitFor(async () => (await inFlight(gw)) === 0, { what: 'every place given back' });
  });
});
