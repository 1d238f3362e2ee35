import type { Bus } from '@relay/bus';
import type { ProvenanceOptions } from '@relay/client';
import type { WebhookTenant } from '@relay/directory';
import type { Logger } from '@relay/observability';
import type { RetryPolicy } from './backoff.js';
import type { BreakerPolicy } from './breaker.js';
import { type Endpoint, type Outcome, startEndpoint } from './endpoint.js';
import type { HostLookup, OutboundLimits } from './outbound.js';
import { readEndpointSecrets } from './secrets.js';

/** First and longest wait before starting an endpoint that could not start, ms. */
const RETRY_START_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/** The plain parts the courier runs on (decision 0114's `run<Name>`), for in-process tests too. */
export interface CourierParts {
  readonly bus: Bus;
  /** Folder of the files `secretRef` and `clientCertRef` name. */
  readonly secretsDir: string;
  readonly limits: OutboundLimits;
  readonly retry: RetryPolicy;
  readonly breaker: BreakerPolicy;
  /** How referrals and notices are verified before they are POSTed (as `@relay/client`). */
  readonly provenance: ProvenanceOptions;
  readonly hostLookup?: HostLookup;
  readonly log: Logger;
  readonly observe?: (hotline: string, outcome: Outcome, status: number | undefined) => void;
}

/** The running courier: one endpoint per webhook hotline, following the directory. */
export interface Courier {
  /** Runs exactly the endpoints of `tenants`: starts new ones, restarts changed ones, stops removed ones. */
  apply(tenants: readonly WebhookTenant[]): Promise<void>;
  /** Hotlines being delivered to. */
  hotlines(): string[];
  /** True when every endpoint asked for is running. */
  running(): boolean;
  stop(): Promise<void>;
}

/** Starts no endpoint yet: {@link Courier.apply} gives it the webhook hotlines of the directory. */
export function runCourier(parts: CourierParts): Courier {
  const running = new Map<string, { endpoint: Endpoint; spec: string }>();
  let wanted = 0;
  let queue: Promise<void> = Promise.resolve();
  let retry: NodeJS.Timeout | undefined;
  let retryMs = RETRY_START_MS;
  let stopped = false;
  const apply = async (tenants: readonly WebhookTenant[]): Promise<void> => {
    clearTimeout(retry);
    wanted = tenants.length;
    const next = new Map(tenants.map((t) => [t.hotline, t]));
    for (const [hotline, r] of [...running]) {
      const t = next.get(hotline);
      if (t === undefined || JSON.stringify(t) !== r.spec) {
        await r.endpoint.stop();
        running.delete(hotline);
      }
    }
    for (const t of tenants) {
      if (running.has(t.hotline)) continue;
      try {
        const secrets = readEndpointSecrets(parts.secretsDir, t.delivery);
        const endpoint = await startEndpoint({ ...parts, tenant: t, secrets });
        running.set(t.hotline, { endpoint, spec: JSON.stringify(t) });
      } catch (err) {
        // One hotline's missing secret or consumer must not stop the others; it stays undelivered (and unready) until fixed.
        parts.log.warn({ err, hotline: t.hotline }, 'webhook delivery cannot start for this hotline yet; trying again');
      }
    }
    // A consumer or signer list not there yet (the dispatcher makes them as the directory comes in), a secret file not yet in place: try again.
    if (running.size < wanted && !stopped) {
      retry = setTimeout(() => void enqueue(tenants), retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    } else {
      retryMs = RETRY_START_MS;
    }
  };
  const enqueue = (tenants: readonly WebhookTenant[]): Promise<void> =>
    (queue = queue.then(() => apply(tenants)).catch((err: unknown) => parts.log.error({ err }, 'webhook endpoints not brought up to date')));
  return {
    // Directory changes are applied one after another.
    apply: enqueue,
    hotlines: () => [...running.keys()],
    running: () => running.size === wanted,
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await queue;
      await Promise.all([...running.values()].map((r) => r.endpoint.stop()));
      running.clear();
    },
  };
}
