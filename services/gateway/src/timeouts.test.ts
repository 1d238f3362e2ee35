import { connect, type Socket } from 'node:net';
import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ RELAY_HTTP_HEADERS_TIMEOUT_MS: '400', RELAY_HTTP_REQUEST_TIMEOUT_MS: '800', RELAY_HTTP_IDLE_TIMEOUT_MS: '1500' });
});
afterAll(async () => {
  await t?.dispose();
});

/** A raw connection to the API port that records what the server sent and when it closed. */
async function open(): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const socket = connect(t.gateway.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const opened = performance.now();
  let text = '';
  socket.setEncoding('utf8').on('data', (d: string) => (text += d));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - opened)));
  return { socket, received: () => text, closed };
}

describe('the public HTTP server cuts off slow clients', () => {
  it('closes a connection whose headers trickle in (slow loris) once the headers timeout passes', async () => {
    const c = await open();
    c.socket.write('POST /v1/reports HTTP/1.1\r\nHost: relay\r\n');
    let n = 0;
    const trickle = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write(`X-Slow-${n++}: a\r\n`);
    }, 100);
    try {
      const after = await Promise.race([c.closed, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 5_000))]);
      expect(after).toBeLessThan(2_500);
      expect(n).toBeGreaterThan(2); // it was sending the whole time
      expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(trickle);
      c.socket.destroy();
    }
  });

  it('closes a connection whose body never finishes once the request timeout passes, and stores nothing', async () => {
    const before = await t.reportCount();
    const c = await open();
    c.socket.write(
      `POST /v1/reports HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer ${DEMO_KEYS.ncmec}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"sourceReportId":`,
    );
    try {
      const after = await Promise.race([c.closed, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 5_000))]);
      expect(after).toBeLessThan(3_000);
      expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
      expect(await t.reportCount()).toBe(before);
    } finally {
      c.socket.destroy();
    }
  });

  it('still serves a client that sends in time', async () => {
    const res = await fetch(`${t.gateway.url}/healthz`);
    expect(res.status).toBe(200);
  });
});
