import { Resolver } from 'node:dns/promises';
import { GenerationalCache } from '../lookup-cache.js';
import { canonicalHost, DnsError, DnsFailure, type HostResolver, type Resolution } from './resolver.js';

/** Settings of the system resolver. */
export interface SystemResolverOptions {
  /** Name servers (`1.2.3.4`, `[::1]:5353`, `127.0.0.1:5353`); default: the system's (/etc/resolv.conf). */
  readonly servers?: readonly string[];
  /** Timeout of one query attempt, ms (c-ares doubles it on each retry). Default 2,000. */
  readonly timeoutMs?: number;
  /** Attempts per query. Default 2. */
  readonly tries?: number;
  /** CNAME hops recorded before giving up. Default 8. */
  readonly maxCnameDepth?: number;
  /** Answers kept for their TTL, clamped to [min, max] seconds. Defaults 5 and 3,600. */
  readonly minTtlSeconds?: number;
  readonly maxTtlSeconds?: number;
  /** How long an NXDOMAIN is kept, seconds. Default 60. SERVFAIL and timeouts are never kept. */
  readonly negativeTtlSeconds?: number;
  /** Names kept per cache generation. Default 10,000. */
  readonly cacheSize?: number;
  /** Milliseconds now; for tests. */
  readonly now?: () => number;
}

interface CacheEntry {
  readonly expiresAt: number;
  readonly answer: Resolution | DnsError;
}

interface ErrnoLike {
  readonly code?: unknown;
}

/** Maps a c-ares error code to the failure the observation reports. */
function failureOf(err: unknown): DnsFailure | 'NODATA' {
  const code = (err as ErrnoLike | undefined)?.code;
  switch (code) {
    case 'ENODATA':
      return 'NODATA';
    case 'ENOTFOUND':
      return DnsFailure.NxDomain;
    case 'ESERVFAIL':
      return DnsFailure.ServFail;
    case 'ETIMEOUT':
      return DnsFailure.Timeout;
    default:
      return DnsFailure.Other;
  }
}

function describeError(err: unknown): string {
  const e = err as ErrnoLike & { message?: unknown };
  return `${typeof e.code === 'string' ? e.code : 'error'}${typeof e.message === 'string' ? `: ${e.message}` : ''}`;
}

/**
 * The system resolver (node:dns, c-ares): A and AAAA in parallel, the CNAME
 * chain followed hop by hop and recorded, per-query timeouts, answers cached
 * for their TTL and concurrent lookups of one name shared.
 */
export function createSystemResolver(options: SystemResolverOptions = {}): HostResolver {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2_000, tries: options.tries ?? 2 });
  if (options.servers !== undefined && options.servers.length > 0) resolver.setServers([...options.servers]);
  const now = options.now ?? Date.now;
  const minTtl = options.minTtlSeconds ?? 5;
  const maxTtl = options.maxTtlSeconds ?? 3_600;
  const negativeTtl = options.negativeTtlSeconds ?? 60;
  const maxDepth = options.maxCnameDepth ?? 8;
  const cache = new GenerationalCache<string, CacheEntry>(options.cacheSize ?? 10_000);
  const inFlight = new Map<string, Promise<Resolution>>();

  const followCnames = async (host: string): Promise<string[]> => {
    const chain: string[] = [];
    let name = host;
    while (chain.length < maxDepth) {
      let targets: string[];
      try {
        targets = await resolver.resolveCname(name);
      } catch {
        // No CNAME (NODATA), or the name fails: the A/AAAA answers say which.
        break;
      }
      const next = targets[0] === undefined ? undefined : canonicalHost(targets[0]);
      if (next === undefined || next === host || chain.includes(next)) break;
      chain.push(next);
      name = next;
    }
    return chain;
  };

  const lookup = async (host: string): Promise<{ resolution: Resolution; ttl: number }> => {
    const [chain, v4, v6] = await Promise.allSettled([
      followCnames(host),
      resolver.resolve4(host, { ttl: true }),
      resolver.resolve6(host, { ttl: true }),
    ]);
    const answers = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    if (answers.length > 0) {
      const ttl = Math.min(maxTtl, Math.max(minTtl, Math.min(...answers.map((a) => a.ttl))));
      const cnameChain = chain.status === 'fulfilled' ? chain.value : [];
      return { resolution: { host, cnameChain, addresses: answers.map((a) => a.address) }, ttl };
    }
    const failures = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    // The most telling failure wins: a name that does not exist, then a
    // failing server, then a timeout; NODATA on both families means no address.
    for (const wanted of [DnsFailure.NxDomain, DnsFailure.ServFail, DnsFailure.Timeout, DnsFailure.Other] as const) {
      const err = failures.find((f) => failureOf(f) === wanted);
      if (err !== undefined) throw new DnsError(host, wanted, describeError(err), err);
    }
    throw new DnsError(host, DnsFailure.NoAddress, 'no A or AAAA records');
  };

  const resolveFresh = async (host: string): Promise<Resolution> => {
    try {
      const { resolution, ttl } = await lookup(host);
      cache.set(host, { expiresAt: now() + ttl * 1000, answer: resolution });
      return resolution;
    } catch (err) {
      if (err instanceof DnsError && (err.failure === DnsFailure.NxDomain || err.failure === DnsFailure.NoAddress)) {
        cache.set(host, { expiresAt: now() + negativeTtl * 1000, answer: err });
      }
      throw err;
    }
  };

  return {
    description: options.servers?.length ? `system resolver via ${options.servers.join(', ')}` : 'system resolver',
    resolve(asked) {
      const host = canonicalHost(asked);
      const hit = cache.get(host);
      if (hit !== undefined && hit.expiresAt > now()) {
        return hit.answer instanceof DnsError ? Promise.reject(hit.answer) : Promise.resolve(hit.answer);
      }
      let pending = inFlight.get(host);
      if (pending === undefined) {
        pending = resolveFresh(host).finally(() => inFlight.delete(host));
        inFlight.set(host, pending);
      }
      return pending;
    },
    close() {
      resolver.cancel();
    },
  };
}
