import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@relay/observability';
import { startRelay, type TestRelay } from '@relay/testing';
import { freePort, waitFor } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, startTestConsole, type TestConsole } from '../test/console.js';
import { checkService, type ServiceHealth, watchServices } from './service-health.js';
import type { WatchedService } from './watched-services.js';

const QUICK = { timeoutMs: 300, maxBodyBytes: 4_096 };
const silent = createLogger('console', 'silent');

/** Fake ops endpoints, one per path: `/<path>/healthz` answers as `routes[path]` says. */
let server: Server;
let base = '';
const open = new Set<ServerResponse>();
const routes: Record<string, (res: ServerResponse) => void> = {
  up: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', checks: { nats: true } })),
  unready: (res) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'unavailable', checks: { nats: true, directory: false, consumers: false } })),
  // Answers and never ends: only a bounded read gets past it before the timeout.
  endless: (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const more = (): void => {
      if (!res.destroyed) res.write('x'.repeat(16_384), () => setImmediate(more));
    };
    more();
  },
  // Never answers.
  silent: () => undefined,
  moved: (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/healthz' }).end(),
};

const watched = (name: string, path = name): WatchedService => ({ name, url: `${base}/${path}/`, healthUrl: `${base}/${path}/healthz` });

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const route = routes[(req.url ?? '').split('/')[1] ?? ''];
    if (route === undefined) res.writeHead(404).end();
    else route(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of open) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("checking a service's /healthz", () => {
  it('is up on 200, down on 503 naming the checks the service says are not ready', async () => {
    await expect(checkService(watched('up'), QUICK)).resolves.toMatchObject({ name: 'up', state: 'up', detail: 'ok' });
    const unready = await checkService(watched('unready'), QUICK);
    expect(unready).toMatchObject({ state: 'down', detail: 'HTTP 503: directory, consumers not ready' });
    expect(Date.parse(unready.checkedAt ?? '')).not.toBeNaN();
  });

  it('is down when nobody listens, when nothing answers in time, and on a redirect (not followed)', async () => {
    const port = await freePort();
    const refused = await checkService({ name: 'gone', url: `http://127.0.0.1:${port}/`, healthUrl: `http://127.0.0.1:${port}/healthz` }, QUICK);
    expect(refused).toMatchObject({ state: 'down', detail: 'connection refused' });
    await expect(checkService(watched('silent'), QUICK)).resolves.toMatchObject({ state: 'down', detail: 'no answer within 0.3 s' });
    await expect(checkService(watched('moved'), QUICK)).resolves.toMatchObject({ state: 'down', detail: 'HTTP 302' });
  });

  it('reads a bounded part of an answer: an endless body still counts by its status, within the timeout', async () => {
    await expect(checkService(watched('endless'), { timeoutMs: 5_000, maxBodyBytes: 4_096 })).resolves.toMatchObject({ state: 'up', detail: 'ok' });
  });
});

describe('watching services in the background', () => {
  it('says unchecked at first, then each state, and follows a service that comes up', async () => {
    let ready = false;
    routes['flips'] = (res) => (ready ? routes['up']?.(res) : routes['unready']?.(res));
    const watch = watchServices([watched('flips'), watched('silent')], silent, { intervalMs: 20, ...QUICK });
    try {
      expect(watch.current().map((s) => s.state)).toEqual(['unchecked', 'unchecked']);
      await waitFor(() => watch.current()[0]?.state === 'down', { what: 'the first round' });
      expect(watch.current()[1]).toMatchObject({ name: 'silent', state: 'down' });
      ready = true;
      await waitFor(() => watch.current()[0]?.state === 'up', { what: 'the service to be seen up' });
    } finally {
      await watch.stop();
    }
  });
});

describe('the operator API of the watched services', () => {
  let relay: TestRelay;
  let console: TestConsole;

  beforeAll(async () => {
    relay = await startRelay();
    const nobody = await freePort();
    console = await startTestConsole(
      relay.bus,
      relay.server.url,
      { ops: { kind: 'operator' }, anna: { kind: 'hotline', hotline: 'eokm' }, 'nl-liaison': { kind: 'police', country: 'NL' } },
      { RELAY_CONSOLE_SERVICES: `gateway=${base}/up,courier=http://127.0.0.1:${nobody}` },
    );
  });
  afterAll(async () => {
    await console?.stop();
    await relay?.dispose();
  });

  it('shows an operator each configured service up or down, with when it was last checked', async () => {
    const ops = agent(console.url);
    expect((await ops.signIn('ops')).status).toBe(200);
    const services = await waitFor(
      async () => {
        const body = (await (await ops.fetch('/api/operator/services')).json()) as { services: ServiceHealth[] };
        return body.services.every((s) => s.checkedAt !== null) && body.services;
      },
      { what: 'the first round of checks' },
    );
    expect(services).toMatchObject([
      { name: 'gateway', url: `${base}/up/`, state: 'up', detail: 'ok' },
      { name: 'courier', state: 'down', detail: 'connection refused' },
    ]);
  });

  it('refuses everyone else', async () => {
    expect((await agent(console.url).fetch('/api/operator/services')).status).toBe(401);
    for (const user of ['anna', 'nl-liaison']) {
      const a = agent(console.url);
      await a.signIn(user);
      const res = await a.fetch('/api/operator/services');
      expect(res.status, user).toBe(403);
      expect(await res.text()).not.toContain('courier');
    }
  });
});
