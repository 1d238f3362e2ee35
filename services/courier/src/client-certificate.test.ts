// Issue 19, deliverable 1: an endpoint that asks for a client certificate (mutual TLS) gets the
// one the directory entry's clientCertRef names, as one PEM with its key (secrets.ts). The
// request runs in a child process that trusts the test's CA (NODE_EXTRA_CA_CERTS is read at start).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let server: https.Server;
let port = 0;
const seen: string[] = [];

const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
};

/** A certificate `name` for `subject`, signed by the test CA, with one extension line. */
async function issue(name: string, subject: string, extension: string): Promise<void> {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  await writeFile(join(dir, `${name}.ext`), `${extension}\n`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-courier-mtls-'));
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=relay test CA', '-days', '1');
  await issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1');
  await issue('client', '/CN=relay-courier-eco', 'extendedKeyUsage=clientAuth');
  // clientCertRef names one PEM file holding the certificate and its key.
  await writeFile(join(dir, 'client-bundle.pem'), (await readFile(join(dir, 'client.pem'), 'utf8')) + (await readFile(join(dir, 'client.key'), 'utf8')));
  server = https.createServer(
    { key: await readFile(join(dir, 'server.key')), cert: await readFile(join(dir, 'server.pem')), ca: await readFile(join(dir, 'ca.pem')), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      seen.push(String(peer.subject.CN));
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Runs postWebhook (the built package) in a child that trusts the test CA; its answer or error code. */
async function postFromChild(withCertificate: boolean): Promise<{ status?: number; error?: string }> {
  const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const script = `
    import { readFileSync } from 'node:fs';
    import { postWebhook } from ${JSON.stringify(entry)};
    const pem = process.env.BUNDLE ? readFileSync(process.env.BUNDLE, 'utf8') : undefined;
    try {
      const answer = await postWebhook(
        { url: new URL(process.env.URL), headers: { 'content-type': 'application/json' }, body: '{}', allowPrivate: true, ...(pem ? { clientCert: { cert: pem, key: pem } } : {}) },
        { connectTimeoutMs: 10000, totalTimeoutMs: 15000, maxResponseBytes: 1024 },
      );
      console.log(JSON.stringify({ status: answer.status }));
    } catch (err) {
      console.log(JSON.stringify({ error: err.code ?? String(err) }));
    }`;
  // Not spawnSync: the endpoint runs in this process and must answer meanwhile.
  const run = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), URL: `https://127.0.0.1:${port}/hook`, BUNDLE: withCertificate ? join(dir, 'client-bundle.pem') : '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { status?: number; error?: string };
}

describe('webhooks to an endpoint that requires a client certificate', () => {
  it('presents the certificate of clientCertRef and is answered', async () => {
    const before = seen.length;
    expect(await postFromChild(true)).toEqual({ status: 204 });
    expect(seen.slice(before)).toEqual(['relay-courier-eco']);
  });

  it('is refused by the endpoint without it, and says so as a network failure', async () => {
    const before = seen.length;
    expect(await postFromChild(false)).toEqual({ error: 'webhook-network' });
    expect(seen.length).toBe(before);
  });
});
