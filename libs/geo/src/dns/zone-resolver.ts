import { statSync } from 'node:fs';
import { ZoneFileError } from '../errors.js';
import { canonicalHost, DnsError, DnsFailure, type HostResolver, type Resolution } from './resolver.js';
import { readZoneFile, type Zone } from './zone-file.js';

/** Settings of the static zone resolver. */
export interface ZoneResolverOptions {
  /** The zone file (JSON, the format of `deploy/dev/zone.json`). */
  readonly path: string;
  /** How often the file's mtime, size and inode are checked for a change, ms. Default 1,000; 0 checks on every lookup. */
  readonly checkIntervalMs?: number;
  /** CNAME hops followed before giving up. Default 8. */
  readonly maxCnameDepth?: number;
  /** Told when a changed file is invalid (the previous zone stays in use). */
  readonly onReloadError?: (err: ZoneFileError) => void;
  /** Milliseconds now; for tests. */
  readonly now?: () => number;
}

interface Loaded {
  readonly zone: Zone;
  readonly signature: string;
}

function signatureOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * A resolver answering from a static zone file, for demos and tests. The
 * file is read at creation (a bad file fails at once) and re-read when it
 * changes; an invalid new version is reported and the previous one kept.
 * Names not in the zone are NXDOMAIN; `"error"` entries fail as told
 * (a TIMEOUT fails at once: nothing waits).
 * @throws ZoneFileError when the file is missing or invalid at creation.
 */
export function createZoneResolver(options: ZoneResolverOptions): HostResolver {
  const now = options.now ?? Date.now;
  const interval = options.checkIntervalMs ?? 1_000;
  const maxDepth = options.maxCnameDepth ?? 8;
  const load = (): Loaded => {
    const signature = signatureOf(options.path);
    return { zone: readZoneFile(options.path), signature };
  };
  let current = load();
  let checkedAt = now();

  const refresh = (): void => {
    if (now() - checkedAt < interval) return;
    checkedAt = now();
    if (signatureOf(options.path) === current.signature) return;
    try {
      current = load();
    } catch (err) {
      if (!(err instanceof ZoneFileError)) throw err;
      // Keep answering from the last good zone; do not re-report until the file changes again.
      current = { zone: current.zone, signature: signatureOf(options.path) };
      options.onReloadError?.(err);
    }
  };

  const resolveSync = (asked: string): Resolution => {
    const host = canonicalHost(asked);
    const chain: string[] = [];
    let name = host;
    for (let depth = 0; ; depth++) {
      const record = current.zone.records[name];
      const via = name === host ? '' : `(via CNAME ${name}) `;
      if (record === undefined) throw new DnsError(host, DnsFailure.NxDomain, `${via}NXDOMAIN: not in the static zone`);
      if (record.error !== undefined) throw new DnsError(host, record.error, `${via}${record.error} (static zone)`);
      if (record.cname !== undefined) {
        if (depth >= maxDepth || chain.includes(record.cname) || record.cname === host) {
          throw new DnsError(host, DnsFailure.Other, `CNAME chain from ${host} loops or is longer than ${maxDepth}`);
        }
        chain.push(record.cname);
        name = record.cname;
        continue;
      }
      const addresses = [...(record.a ?? []), ...(record.aaaa ?? [])];
      if (addresses.length === 0) throw new DnsError(host, DnsFailure.NoAddress, `${via}no A or AAAA records`);
      return { host, cnameChain: chain, addresses };
    }
  };

  return {
    description: `static zone ${options.path}`,
    resolve(host) {
      try {
        refresh();
        return Promise.resolve(resolveSync(host));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    close() {},
  };
}
