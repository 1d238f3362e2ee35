// Every nats-server config in deploy/nats is valid for the real server, and
// the 3-node cluster config runs: TLS on clients and routes, generated nkey
// users, R3 streams. Configs are discovered, so a new one is checked too.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, publishMessage, streamState } from '@relay/bus';
import { natsServerBinary, waitFor } from '@relay/testkit';
import { exampleMessage, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeployCopy, filesUnder, jsKey, prepareDeployCopy, REPO_DEPLOY } from './deploy-copy.js';
import { type LocalCluster, startLocalCluster } from './local-cluster.js';

const run = promisify(execFile);
const CONFIGS = filesUnder(join(REPO_DEPLOY, 'nats'), '.conf').map((f) => `nats/${f}`);

let copy: DeployCopy;
beforeAll(async () => {
  copy = await prepareDeployCopy();
}, 60_000);
afterAll(() => copy?.dispose());

describe('the nats-server configs in deploy/nats', () => {
  it('are discovered, including the dev server, the three cluster nodes and the multi-region examples', () => {
    expect(CONFIGS).toEqual(expect.arrayContaining(['nats/dev.conf', 'nats/cluster/n1.conf', 'nats/cluster/n2.conf', 'nats/cluster/n3.conf']));
    expect(CONFIGS.filter((c) => c.startsWith('nats/multi-region/')).length).toBeGreaterThanOrEqual(3);
  });

  it.each(CONFIGS)('%s passes nats-server -t from the base folder', async (conf) => {
    const { stderr } = await run(natsServerBinary(), ['-t', '-c', conf], { cwd: copy.base, env: copy.serverEnv });
    expect(stderr).toContain('is valid');
  });

  it('are refused by nats-server -t when the generated accounts are missing (the check is real)', async () => {
    const n1 = readFileSync(copy.path('nats', 'cluster', 'n1.conf'), 'utf8');
    const include = 'include "../../secrets/accounts/accounts.conf"';
    expect(n1).toContain(include);
    await writeFile(copy.path('nats', 'cluster', 'broken.conf'), n1.replace(include, include.replace('accounts.conf"', 'missing.conf"')));
    const err = await run(natsServerBinary(), ['-t', '-c', 'nats/cluster/broken.conf'], { cwd: copy.base, env: copy.serverEnv }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 1, stderr: expect.stringContaining('missing.conf') });
  });

  it('refuse a bare hex encryption key that reads as a number, which is why keys carry the js- prefix', async () => {
    // `3e5...` lexes as the float 3e5 followed by junk: about 1 bare hex key in 12 failed this way.
    const env = { ...copy.serverEnv, RELAY_JS_KEY: `3e5${jsKey().slice(6)}` };
    const err = await run(natsServerBinary(), ['-t', '-c', 'nats/cluster/n1.conf'], { cwd: copy.base, env }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 1, stderr: expect.stringContaining("variable reference for 'RELAY_JS_KEY'") });
  });

  it('keep the three cluster nodes one template that differs only in the node name, never in a route', () => {
    const n1 = readFileSync(join(REPO_DEPLOY, 'nats', 'cluster', 'n1.conf'), 'utf8');
    for (const n of ['n2', 'n3']) {
      const expected = n1
        .split('\n')
        .map((line) => (line.includes('nats-route://') ? line : line.replace(/\bn1\b/g, n)))
        .join('\n');
      expect(readFileSync(join(REPO_DEPLOY, 'nats', 'cluster', `${n}.conf`), 'utf8')).toBe(expected);
    }
  });
});

/** How many messages the node behind `monitorUrl` stores for `stream` in the RELAY account. */
async function storedOn(monitorUrl: string, stream: string): Promise<number | undefined> {
  const jsz = (await (await fetch(`${monitorUrl}/jsz?acc=RELAY&streams=true`)).json()) as {
    account_details?: { stream_detail?: { name: string; state?: { messages?: number } }[] }[];
  };
  return jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === stream)?.state?.messages;
}

/** Connects a raw TCP socket, sends a plaintext CONNECT + PING, and reports what the server did. */
async function plaintextAttempt(port: number): Promise<{ info: string; pong: boolean; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = tcpConnect(port, '127.0.0.1');
    let buf = '';
    let sent = false;
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      buf += d;
      if (!sent && buf.includes('\r\n')) {
        sent = true;
        sock.write('CONNECT {"verbose":false,"pedantic":false,"tls_required":false}\r\nPING\r\n');
      }
    });
    sock.on('close', () => resolve({ info: buf.split('\r\n')[0] ?? '', pong: buf.includes('PONG'), closed: true }));
    sock.on('error', () => undefined);
  });
}

/**
 * Speaks the NATS TLS upgrade by hand (INFO in clear, then TLS) with the given
 * client credentials, sends CONNECT without a user, and collects what the
 * server says until it closes the connection.
 */
async function tlsAttempt(port: number, options: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<{ received: string }> {
  return new Promise((resolve) => {
    const raw = tcpConnect(port, '127.0.0.1');
    raw.once('data', () => {
      const sock = tlsConnect({ socket: raw, servername: 'localhost', ...options });
      let received = '';
      sock.setEncoding('latin1');
      sock.on('secureConnect', () => sock.write('CONNECT {"verbose":false,"pedantic":false,"tls_required":true}\r\nPING\r\n'));
      sock.on('data', (d: string) => (received += d));
      sock.on('error', () => undefined);
      sock.on('close', () => resolve({ received }));
    });
    raw.on('error', () => resolve({ received: '' }));
  });
}

describe('the 3-node cluster started from deploy/nats/cluster', () => {
  let cluster: LocalCluster;
  const buses: Bus[] = [];
  const clientEnv = (user: string, cert: string | undefined): Record<string, string> => {
    const u = copy.accounts.users.find((x) => x.name === user);
    if (!u) throw new Error(`no generated user ${user}`);
    return {
      NATS_URL: cluster.url,
      NATS_TLS_CA: copy.path('secrets', 'tls', 'ca.pem'),
      ...(cert === undefined ? {} : { NATS_TLS_CERT: copy.path('secrets', 'tls', 'client', `${cert}.pem`), NATS_TLS_KEY: copy.path('secrets', 'tls', 'client', `${cert}-key.pem`) }),
      NATS_NKEY_SEED_FILE: copy.path('secrets', 'accounts', 'users', `${user}.nk`),
      NATS_INBOX_PREFIX: u.inboxPrefix,
      RELAY_REPLICAS: '3',
    };
  };

  beforeAll(async () => {
    cluster = await startLocalCluster(copy);
  }, 90_000);
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await cluster?.stop();
  });

  it('accepts a client over mutual TLS with an nkey user, and keeps an R3 stream on all three nodes', async () => {
    // The admin identity provisions (decision 0097); an operator writes.
    const admin = await connectBus(busConfigFromEnv(clientEnv('admin', 'operator'), 'deploy-test-admin'));
    buses.push(admin);
    await ensureTopology(admin, { replicas: 3 });
    const bus = await connectBus(busConfigFromEnv(clientEnv('operator-alice', 'operator'), 'deploy-test'));
    buses.push(bus);
    const report = { ...exampleMessage(RelayType.Report), id: 'rpt-deploy-1', source: 'eokm', sourceReportId: 'deploy-1' };
    const stored = await publishMessage(bus, subjects.report('eokm'), RelayType.Report, report, { msgId: 'eokm:deploy-1', origin: 'eokm' });
    expect(stored).toMatchObject({ stream: StreamName.Reports, duplicate: false });
    expect((await streamState(bus, StreamName.Reports))?.messages).toBe(1);

    // Each node's own /jsz lists the replicas it stores: all three hold the message.
    for (const i of [0, 1, 2]) {
      await waitFor(async () => (await storedOn(cluster.monitorUrl(i), StreamName.Reports)) === 1, { what: `REPORTS replicated to n${i + 1}` });
    }
  });

  it('refuses a plaintext client: the server demands TLS and never answers its PING', async () => {
    for (const p of cluster.ports) {
      const attempt = await plaintextAttempt(p.client);
      expect(JSON.parse(attempt.info.replace(/^INFO /, ''))).toMatchObject({ tls_required: true });
      expect(attempt).toMatchObject({ pong: false, closed: true });
    }
  });

  it('refuses a TLS client without a client certificate before it may even try to log in', async () => {
    const port = cluster.ports[0]?.client ?? 0;
    const ca = readFileSync(copy.path('secrets', 'tls', 'ca.pem'));
    const withCert = await tlsAttempt(port, {
      ca,
      cert: readFileSync(copy.path('secrets', 'tls', 'client', 'operator.pem')),
      key: readFileSync(copy.path('secrets', 'tls', 'client', 'operator-key.pem')),
    });
    // With a certificate the server gets as far as refusing the missing nkey.
    expect(withCert.received).toMatch(/-ERR 'Authorization Violation'/);
    const withoutCert = await tlsAttempt(port, { ca });
    expect(withoutCert.received).not.toMatch(/PONG|-ERR 'Authorization Violation'/);
  });

  it('refuses a client with a certificate but no nkey user', async () => {
    const env = clientEnv('operator-alice', 'operator');
    delete env['NATS_NKEY_SEED_FILE'];
    const err = await connectBus(busConfigFromEnv(env, 'deploy-test-nokey')).catch((e: unknown) => e);
    expect(String(err)).toMatch(/authorization/i);
  });
});
