import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, type NatsCluster, startFaultProxy, startNatsCluster, waitFor } from './index.js';

let echo: Server;
let echoPort: number;
let proxy: FaultProxy;
const sockets: Socket[] = [];

beforeAll(async () => {
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  const a = echo.address();
  echoPort = typeof a === 'object' && a !== null ? a.port : 0;
});
afterAll(async () => {
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await proxy?.close();
});

/** A client of the echo server through the proxy, collecting what comes back. */
async function client(): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
  const socket = connect(proxy.port, '127.0.0.1');
  sockets.push(socket);
  let data = '';
  let closed = false;
  socket.on('data', (d) => (data += d.toString()));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => data, closed: () => closed };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the fault proxy', () => {
  it('forwards both ways while open', async () => {
    proxy = await startFaultProxy(echoPort);
    const c = await client();
    c.socket.write('hello');
    await waitFor(() => c.received() === 'hello', { what: 'the echo' });
    expect(proxy.connections()).toBe(1);
  });

  it('cut closes open connections and refuses new ones until healed', async () => {
    proxy = await startFaultProxy(echoPort);
    const c = await client();
    proxy.cut();
    await waitFor(() => c.closed(), { what: 'the open connection closed' });
    const refused = await client();
    await waitFor(() => refused.closed(), { what: 'a new connection closed at once' });
    proxy.heal();
    const again = await client();
    again.socket.write('back');
    await waitFor(() => again.received() === 'back', { what: 'the echo after healing' });
  });

  it('blackhole keeps the connection but forwards nothing until healed', async () => {
    proxy = await startFaultProxy(echoPort);
    const c = await client();
    proxy.blackhole();
    c.socket.write('lost');
    await pause(200);
    expect(c.received()).toBe('');
    expect(c.closed()).toBe(false);
    proxy.heal();
    c.socket.write('found');
    await waitFor(() => c.received() === 'found', { what: 'the echo after healing' });
  });

  it('delay holds each chunk at least the latency minus the jitter, and keeps the order', async () => {
    proxy = await startFaultProxy(echoPort);
    const c = await client();
    proxy.delay(300, 50);
    c.socket.write('late');
    await pause(150);
    expect(c.received()).toBe('');
    await waitFor(() => c.received() === 'late', { what: 'the delayed echo' });
    proxy.delay(20, 19);
    const parts = Array.from({ length: 60 }, (_, i) => `<${i}>`);
    for (const p of parts) {
      c.socket.write(p);
      await pause(1);
    }
    proxy.heal();
    c.socket.write('<end>');
    await waitFor(() => c.received().endsWith('<end>'), { what: 'every chunk' });
    expect(c.received()).toBe(`late${parts.join('')}<end>`);
  });
});

describe('a cluster with fault proxies on its routes', () => {
  let cluster: NatsCluster;
  beforeAll(async () => {
    cluster = await startNatsCluster({ faultProxies: true });
  }, 60_000);
  afterAll(async () => {
    await cluster?.dispose();
  });

  const routes = async (index: number): Promise<number> => {
    const res = await fetch(`${cluster.nodes[index]?.monitorUrl ?? ''}/routez`);
    return ((await res.json()) as { num_routes: number }).num_routes;
  };

  it('partitions a node when its links are cut, with no route around the proxies, and joins it again when healed', async () => {
    for (let i = 0; i < 3; i++) await waitFor(async () => (await routes(i)) === 2, { what: `n${i + 1} routed to both peers` });
    cluster.isolate(0);
    await waitFor(async () => (await routes(0)) === 0, { what: 'n1 without routes' });
    await waitFor(async () => (await routes(1)) === 1 && (await routes(2)) === 1, { what: 'n2 and n3 routed only to each other' });
    // Long enough for gossip or a reconnect to find a way around the proxies, if there were one.
    await pause(3_000);
    expect(await routes(0)).toBe(0);
    cluster.healAll();
    for (let i = 0; i < 3; i++) await waitFor(async () => (await routes(i)) === 2, { timeoutMs: 30_000, what: `n${i + 1} routed to both peers again` });
  }, 60_000);
});
