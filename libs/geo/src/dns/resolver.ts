import { RelayError } from '@relay/wire';

/** Why a name did not resolve to addresses. */
export const DnsFailure = {
  NxDomain: 'NXDOMAIN',
  ServFail: 'SERVFAIL',
  Timeout: 'TIMEOUT',
  NoAddress: 'NO_ADDRESS',
  Other: 'OTHER',
} as const;
export type DnsFailure = (typeof DnsFailure)[keyof typeof DnsFailure];

/**
 * A name that did not resolve. SERVFAIL and TIMEOUT are retryable (the next
 * recheck may succeed); the locator turns every DnsError into an UNRESOLVED
 * observation rather than a failure of the message.
 */
export class DnsError extends RelayError {
  override name = 'DnsError';
  readonly failure: DnsFailure;
  readonly host: string;

  constructor(host: string, failure: DnsFailure, detail: string, cause?: unknown) {
    super(`dns-${failure.toLowerCase().replace('_', '-')}`, `${host}: ${detail}`, {
      retryable: failure === DnsFailure.ServFail || failure === DnsFailure.Timeout,
      cause,
    });
    this.failure = failure;
    this.host = host;
  }
}

/** True when `err` is a {@link DnsError}. */
export function isDnsError(err: unknown): err is DnsError {
  return err instanceof DnsError;
}

/** The answer for one host name. */
export interface Resolution {
  /** The name asked for (lower case, no trailing dot). */
  readonly host: string;
  /** CNAME targets followed from `host`, in order; empty when there was none. */
  readonly cnameChain: readonly string[];
  /** A and AAAA answers, canonical text, in the order received. */
  readonly addresses: readonly string[];
}

/**
 * Resolves host names to addresses: the system resolver in production, a
 * static zone file in demos and tests. Implementations never fetch anything
 * but DNS.
 */
export interface HostResolver {
  /** What this resolver is, for logs and `relay locate` output. */
  readonly description: string;
  /**
   * A and AAAA addresses of `host`, with the CNAME chain followed.
   * @throws DnsError for NXDOMAIN, SERVFAIL, timeouts, no addresses, other failures.
   */
  resolve(host: string): Promise<Resolution>;
  /** Releases timers and sockets. */
  close(): void;
}

/** Lower case, without a trailing dot: the form resolvers and zone files use. */
export function canonicalHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.+$/, '');
}
