import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver saw. */
export interface Received {
  /** `webhook-id`. */
  readonly id: string;
  /** What the receiver answered. */
  readonly status: number;
  /** The Standard Webhooks signature verified (with the npm `standardwebhooks` package, not the relay's code). */
  readonly verified: boolean;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed body when verified. */
  readonly payload: unknown;
}

/** A webhook endpoint on loopback, as a hotline system would run one. */
export interface TestReceiver {
  readonly url: string;
  readonly requests: readonly Received[];
  /** TCP connections accepted while up. */
  readonly connections: () => number;
  /** Stops listening and drops open connections: the endpoint is down. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a receiver on 127.0.0.1 that verifies every request with `secret`
 * and answers `answer(n)` to the n-th request (1-based); a request whose
 * signature does not verify gets 401.
 */
export async function startReceiver(secret: string, answer: (n: number) => number = () => 204): Promise<TestReceiver> {
  const webhook = new Webhook(secret);
  const requests: Received[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
      let payload: unknown;
      let verified = false;
      try {
        payload = webhook.verify(body, headers);
        verified = true;
      } catch {
        verified = false;
      }
      const status = verified ? answer(requests.length + 1) : 401;
      requests.push({ id: headers['webhook-id'] ?? '', status, verified, headers, payload });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 300 ? 'this body must never be logged by the relay' : '');
    });
  });
  server.on('connection', () => (connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/relay`,
    requests,
    connections: () => connections,
    down: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
    up: async () => {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    close: async () => {
      if (!server.listening) return;
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
