import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { checkHealth, type HealthChecks } from './health.js';

/** A running `/metrics` + `/healthz` endpoint. */
export interface OpsServer {
  /** The port it listens on (useful with port 0). */
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Serves Prometheus text on `/metrics` and readiness on `/healthz` (200 when
 * every check passes, 503 otherwise, JSON body naming each check) for
 * services that have no HTTP API of their own.
 */
export async function startOpsServer(options: {
  readonly host?: string;
  readonly port: number;
  readonly registry: Registry;
  readonly checks: HealthChecks;
}): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      options.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      const report = checkHealth(options.checks);
      res.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(report));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found', paths: ['/metrics', '/healthz'] }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : options.port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
