import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemResolver, DnsError, DnsFailure, type HostResolver } from '../index.js';
import { type LoopbackDnsServer, startLoopbackDnsServer } from './loopback-dns-server.js';

let server: LoopbackDnsServer;
let resolver: HostResolver;
let clock = 1_000_000;

const RECORDS = {
  'nforce.example': { a: ['185.107.56.1'], ttl: 300 },
  'dual.example': { a: ['5.9.0.1'], aaaa: ['2a01:4f8::1'], ttl: 120 },
  'www.shop.example': { cname: 'shop.cdn.example', ttl: 60 },
  'shop.cdn.example': { cname: 'edge.hoster.example', ttl: 60 },
  'edge.hoster.example': { a: ['51.38.0.1'], ttl: 30 },
  'txt-only.example': { ttl: 60 },
  'broken.example': { fail: 'SERVFAIL' },
  'slow.example': { fail: 'NO_ANSWER' },
} as const;

beforeAll(async () => {
  server = await startLoopbackDnsServer(RECORDS);
  resolver = createSystemResolver({ servers: [server.address], timeoutMs: 200, tries: 1, now: () => clock });
});
afterAll(async () => {
  resolver?.close();
  await server?.close();
});

async function failureOf(host: string): Promise<DnsError> {
  const err = await resolver.resolve(host).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DnsError)) throw new Error(`expected a DnsError for ${host}, got ${String(err)}`);
  return err;
}

describe('the system resolver against a DNS server on loopback', () => {
  it('resolves A and AAAA records of one name', async () => {
    const answer = await resolver.resolve('Dual.Example.');
    expect(answer.host).toBe('dual.example');
    expect([...answer.addresses].sort()).toEqual(['2a01:4f8::1', '5.9.0.1']);
    expect(answer.cnameChain).toEqual([]);
  });

  it('records every hop of a CNAME chain, in order, and the final addresses', async () => {
    const answer = await resolver.resolve('www.shop.example');
    expect(answer.cnameChain).toEqual(['shop.cdn.example', 'edge.hoster.example']);
    expect(answer.addresses).toEqual(['51.38.0.1']);
  });

  it('reports a name that does not exist as NXDOMAIN', async () => {
    const err = await failureOf('no-such-name.example');
    expect(err.failure).toBe(DnsFailure.NxDomain);
    expect(err.retryable).toBe(false);
  });

  it('reports a failing server as SERVFAIL, retryable', async () => {
    const err = await failureOf('broken.example');
    expect(err.failure).toBe(DnsFailure.ServFail);
    expect(err.retryable).toBe(true);
  });

  it('gives up on a server that never answers with TIMEOUT', async () => {
    const err = await failureOf('slow.example');
    expect(err.failure).toBe(DnsFailure.Timeout);
  });

  it('reports a name without A or AAAA records as NO_ADDRESS', async () => {
    expect((await failureOf('txt-only.example')).failure).toBe(DnsFailure.NoAddress);
  });

  it('answers from its cache within the TTL and asks again after it', async () => {
    await resolver.resolve('nforce.example');
    const asked = (): number => server.queries.filter((q) => q === 'A nforce.example').length;
    const before = asked();
    clock += 299_000;
    await resolver.resolve('nforce.example');
    expect(asked()).toBe(before);
    clock += 2_000;
    await resolver.resolve('nforce.example');
    expect(asked()).toBe(before + 1);
  });

  it('shares one query between concurrent lookups of the same name', async () => {
    const asked = (): number => server.queries.filter((q) => q === 'A edge.hoster.example').length;
    clock += 3_600_000;
    const before = asked();
    const answers = await Promise.all([1, 2, 3, 4].map(() => resolver.resolve('edge.hoster.example')));
    expect(answers.every((a) => a.addresses[0] === '51.38.0.1')).toBe(true);
    expect(asked()).toBe(before + 1);
  });

  it('never caches SERVFAIL: the next lookup asks again and sees a repaired zone', async () => {
    await failureOf('broken.example');
    server.setRecords({ ...RECORDS, 'broken.example': { a: ['5.79.64.1'] } });
    expect((await resolver.resolve('broken.example')).addresses).toEqual(['5.79.64.1']);
    server.setRecords(RECORDS);
  });
});
