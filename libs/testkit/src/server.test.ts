import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNatsServerMissingError, type NatsCluster, type NatsServer, startNatsCluster, startNatsServer } from './index.js';

/** Sends PING over the NATS text protocol and resolves on PONG. */
async function ping(url: string): Promise<boolean> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const sock = tcpConnect(Number(port), '127.0.0.1');
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.includes('INFO')) sock.write('CONNECT {"verbose":false}\r\nPING\r\n');
      if (buf.includes('PONG')) {
        sock.end();
        resolve(true);
      }
    });
    sock.on('error', () => resolve(false));
  });
}

async function jsz(monitorUrl: string): Promise<{ config?: { store_dir?: string }; meta_cluster?: { leader?: string; cluster_size?: number } }> {
  return (await (await fetch(`${monitorUrl}/jsz`)).json()) as never;
}

describe('startNatsServer', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
  });
  afterAll(() => server?.dispose());

  it('runs a real JetStream server on a free loopback port with its own store', async () => {
    expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).not.toBe(4222);
    expect(await ping(server.url)).toBe(true);
    expect((await jsz(server.monitorUrl)).config?.store_dir).toContain(server.dir);
  });

  it('comes back on the same port after a SIGKILL', async () => {
    const pid = server.pid;
    await server.kill();
    expect(await ping(server.url)).toBe(false);
    await server.restart();
    expect(await ping(server.url)).toBe(true);
    expect(pid).toBeDefined();
  });

  it('reuses NATS_URL instead of spawning', async () => {
    const reused = await startNatsServer({}, { ...process.env, NATS_URL: server.url });
    expect(reused.reused).toBe(true);
    expect(reused.url).toBe(server.url);
    await expect(reused.kill()).rejects.toThrow(/NATS_URL/);
  });

  it('names the missing binary and how to install it', async () => {
    const err: unknown = await startNatsServer({}, { NATS_SERVER_BIN: '/nonexistent/nats-server' }).catch((e: unknown) => e);
    expect(isNatsServerMissingError(err)).toBe(true);
    expect((err as Error).message).toMatch(/\/nonexistent\/nats-server.*apt-get install -y nats-server/s);
  });
});

describe('startNatsCluster', () => {
  let cluster: NatsCluster;
  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 60_000);
  afterAll(() => cluster?.dispose());

  it('forms a 3-node JetStream cluster with a meta leader', async () => {
    expect(cluster.nodes).toHaveLength(3);
    const meta = (await jsz(cluster.nodes[0]?.monitorUrl ?? '')).meta_cluster;
    expect(meta?.cluster_size).toBe(3);
    expect(meta?.leader).toMatch(/^n[123]$/);
  });

  it('keeps serving while a node is killed, and takes it back after a restart', async () => {
    await cluster.kill(1);
    expect(await ping(cluster.nodes[1]?.url ?? '')).toBe(false);
    expect(await ping(cluster.nodes[0]?.url ?? '')).toBe(true);
    await cluster.restart(1);
    expect(await ping(cluster.nodes[1]?.url ?? '')).toBe(true);
  }, 60_000);
});
