import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryErrorCode, type HostLookup, isDeliveryError, judgeAddress, postWebhook, type ResolvedAddress } from './index.js';

const limits = { connectTimeoutMs: 1_000, totalTimeoutMs: 1_500, maxResponseBytes: 1_024 };

/** A TCP listener on loopback that counts every connection made to it (and answers nothing). */
let trap: net.Server;
let trapPort = 0;
let trapConnections = 0;
/** An HTTP endpoint on loopback, for the cases that must connect. */
let web: http.Server;
let webPort = 0;
let webConnections = 0;
let webAnswer: (res: http.ServerResponse) => void = (res) => res.writeHead(204).end();

beforeAll(async () => {
  trap = net.createServer((s) => {
    trapConnections += 1;
    s.destroy();
  });
  trap.listen(0, '127.0.0.1');
  await once(trap, 'listening');
  trapPort = (trap.address() as AddressInfo).port;
  web = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => webAnswer(res));
  });
  web.on('connection', () => (webConnections += 1));
  web.listen(0, '127.0.0.1');
  await once(web, 'listening');
  webPort = (web.address() as AddressInfo).port;
});
afterAll(async () => {
  web.closeAllConnections();
  await Promise.all([new Promise((r) => trap.close(r)), new Promise((r) => web.close(r))]);
});

const resolvingTo =
  (...addresses: string[]): HostLookup =>
  () =>
    Promise.resolve(addresses.map((address): ResolvedAddress => ({ address, family: address.includes(':') ? 6 : 4 })));

async function refusal(url: string, options: { allowPrivate?: boolean; lookup?: HostLookup } = {}): Promise<string> {
  const before = trapConnections;
  try {
    await postWebhook({ url: new URL(url), headers: { 'content-type': 'application/json' }, body: '{}', allowPrivate: options.allowPrivate ?? false }, limits, options.lookup ?? resolvingTo());
  } catch (err) {
    // No connection was made to the listener the name or address would have led to.
    expect(trapConnections).toBe(before);
    if (isDeliveryError(err)) return err.code;
    throw err;
  }
  throw new Error(`${url} was not refused`);
}

describe('outbound webhook requests (SSRF rules)', () => {
  it('refuses private, loopback, link-local, metadata, unique-local and CGNAT addresses given as literals', async () => {
    for (const url of [
      'https://10.1.2.3/hook',
      'https://192.168.1.10/hook',
      'https://172.16.0.1/hook',
      `https://127.0.0.1:${trapPort}/hook`,
      'https://169.254.169.254/latest/meta-data/',
      'https://100.100.100.200/latest/meta-data/',
      'https://100.64.0.1/hook',
      'https://[fd00:ec2::254]/latest/meta-data/',
      'https://[fe80::1]/hook',
      'https://[fc00::1]/hook',
      `https://[::1]:${trapPort}/hook`,
      `https://[::ffff:127.0.0.1]:${trapPort}/hook`,
      'https://0.0.0.0/hook',
      'https://224.0.0.1/hook',
    ]) {
      expect(await refusal(url), url).toBe(DeliveryErrorCode.AddressRefused);
    }
  });

  it('refuses a host name that resolves to a private, loopback or metadata address, checked at connect time, without connecting', async () => {
    expect(await refusal(`https://hooks.hotline.example:${trapPort}/relay`, { lookup: resolvingTo('127.0.0.1') })).toBe(DeliveryErrorCode.AddressRefused);
    expect(await refusal('https://hooks.hotline.example/relay', { lookup: resolvingTo('10.0.0.7') })).toBe(DeliveryErrorCode.AddressRefused);
    expect(await refusal('https://hooks.hotline.example/relay', { lookup: resolvingTo('169.254.169.254') })).toBe(DeliveryErrorCode.AddressRefused);
    // One bad address among good ones is enough: the connection could be made to either.
    expect(await refusal(`https://hooks.hotline.example:${trapPort}/relay`, { lookup: resolvingTo('93.184.216.34', '127.0.0.1') })).toBe(DeliveryErrorCode.AddressRefused);
  });

  it('never allows metadata or link-local addresses, even for an endpoint allowed private addresses', async () => {
    expect(await refusal('https://169.254.169.254/latest/meta-data/', { allowPrivate: true })).toBe(DeliveryErrorCode.AddressRefused);
    expect(await refusal('https://[fd00:ec2::254]/', { allowPrivate: true })).toBe(DeliveryErrorCode.AddressRefused);
    expect(await refusal('https://metadata.internal/', { allowPrivate: true, lookup: resolvingTo('169.254.169.254') })).toBe(DeliveryErrorCode.AddressRefused);
    expect(await refusal('https://[fe80::1]/', { allowPrivate: true })).toBe(DeliveryErrorCode.AddressRefused);
  });

  it('allows plain http only to loopback, and only when the endpoint allows private addresses', async () => {
    expect(await refusal(`http://127.0.0.1:${trapPort}/hook`)).toBe(DeliveryErrorCode.SchemeRefused);
    expect(await refusal('http://hooks.hotline.example/relay', { allowPrivate: true, lookup: resolvingTo('93.184.216.34') })).toBe(DeliveryErrorCode.SchemeRefused);
    expect(await refusal('http://10.0.0.7/relay', { allowPrivate: true })).toBe(DeliveryErrorCode.SchemeRefused);
    expect(await refusal('ftp://hooks.hotline.example/relay', { allowPrivate: true })).toBe(DeliveryErrorCode.SchemeRefused);
  });

  it('connects to loopback over http when the endpoint allows it (the dev stack), through the same lookup', async () => {
    const before = webConnections;
    const answer = await postWebhook({ url: new URL(`http://receiver.dev:${webPort}/hook`), headers: {}, body: '{}', allowPrivate: true }, limits, resolvingTo('127.0.0.1'));
    expect(answer.status).toBe(204);
    expect(webConnections).toBe(before + 1);
  });

  it('gives up on an endpoint that does not answer within the total timeout', async () => {
    webAnswer = () => undefined;
    try {
      await expect(postWebhook({ url: new URL(`http://127.0.0.1:${webPort}/hook`), headers: {}, body: '{}', allowPrivate: true }, limits)).rejects.toMatchObject({
        code: DeliveryErrorCode.Timeout,
      });
    } finally {
      webAnswer = (res) => res.writeHead(204).end();
    }
  });

  it('gives up on an endpoint that takes the TCP connection but never completes TLS, within the connect timeout', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((s) => held.push(s));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as AddressInfo).port;
    try {
      await expect(
        postWebhook({ url: new URL(`https://127.0.0.1:${port}/hook`), headers: {}, body: '{}', allowPrivate: true }, { ...limits, connectTimeoutMs: 200, totalTimeoutMs: 30_000 }),
      ).rejects.toMatchObject({ code: DeliveryErrorCode.ConnectTimeout });
      expect(held.length).toBe(1);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('reads the status of an answer with a huge body without reading the body', async () => {
    webAnswer = (res) => {
      res.writeHead(500);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    };
    try {
      const answer = await postWebhook({ url: new URL(`http://127.0.0.1:${webPort}/hook`), headers: {}, body: '{}', allowPrivate: true }, limits);
      expect(answer.status).toBe(500);
    } finally {
      webAnswer = (res) => res.writeHead(204).end();
    }
  });
});

describe('the address rules', () => {
  it('allows global unicast addresses only, unless private ones are allowed for the endpoint', () => {
    expect(judgeAddress('93.184.216.34', false)).toEqual({ allowed: true, loopback: false });
    expect(judgeAddress('2606:2800:220:1:248:1893:25c8:1946', false)).toEqual({ allowed: true, loopback: false });
    expect(judgeAddress('127.0.0.1', true)).toEqual({ allowed: true, loopback: true });
    expect(judgeAddress('10.0.0.1', true)).toEqual({ allowed: true, loopback: false });
    for (const a of ['127.0.0.1', '10.0.0.1', '100.64.1.1', 'fd12::1', '::1', '::ffff:10.0.0.1', '255.255.255.255', '192.0.2.1', 'not-an-ip']) {
      expect(judgeAddress(a, false).allowed, a).toBe(false);
    }
  });
});
