import type { Bus, Deliveries } from '@relay/bus';
import { tenantConsumers } from '@relay/bus';
import { bindTenantConsumer, type ProvenanceOptions } from '@relay/client';
import type { WebhookTenant } from '@relay/directory';
import type { Logger } from '@relay/observability';
import { type Notice, type Referral, RelayType } from '@relay/wire';
import { backoffMs, type RetryPolicy } from './backoff.js';
import { type BreakerPolicy, type BreakerState, createBreaker } from './breaker.js';
import { DeliveryError, DeliveryErrorCode, isDeliveryError } from './errors.js';
import { type HostLookup, type OutboundLimits, postWebhook } from './outbound.js';
import { type Carried, caseOf, webhookRequest } from './payload.js';

/** The service name of the courier's DLQ entries (`relay.dlq.courier`). */
export const SERVICE = 'courier';

/** An ack wait of the tenant consumers is 60 s (libs/bus tenants): a held message is marked in progress well before. */
const WORKING_EVERY_MS = 20_000;

/** What became of one delivery attempt or message. */
export type Outcome = 'delivered' | 'failed' | 'dead-lettered';

/** The secrets of an endpoint, read from the files its directory entry names. */
export interface EndpointSecrets {
  /** The Standard Webhooks key bytes. */
  readonly key: Buffer;
  readonly clientCert?: { readonly cert: string; readonly key: string };
}

/** What one endpoint needs to run. */
export interface EndpointDeps {
  readonly bus: Bus;
  readonly tenant: WebhookTenant;
  readonly secrets: EndpointSecrets;
  readonly limits: OutboundLimits;
  readonly retry: RetryPolicy;
  readonly breaker: BreakerPolicy;
  readonly provenance: ProvenanceOptions;
  readonly hostLookup?: HostLookup;
  readonly log: Logger;
  /** Told after each attempt (`delivered`, `failed`) and each message sent to the DLQ. */
  readonly observe?: (hotline: string, outcome: Outcome, status: number | undefined) => void;
  readonly now?: () => number;
}

/** A running endpoint: the hotline's referrals and notices, POSTed one case at a time. */
export interface Endpoint {
  readonly hotline: string;
  breakerState(): BreakerState;
  /** Stops reading; messages not yet acked are left for redelivery. */
  stop(): Promise<void>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Reads a webhook hotline's two consumers (`hotline-<id>`,
 * `hotline-<id>-notices`), verifying each message as `@relay/client` does,
 * and POSTs each one (decision 0125). Deliveries of one case go out one at a
 * time in the order they arrived; a failing one holds its case (not other
 * cases) and is retried with exponential backoff and jitter, marked in
 * progress meanwhile so the server does not hand it out again; acked only
 * after a 2xx; after the max age it goes to the DLQ with the last answer.
 * @throws SignersUnavailableError, ConsumerMissingError as `bindTenantConsumer`.
 */
export async function startEndpoint(deps: EndpointDeps): Promise<Endpoint> {
  const { tenant, log } = deps;
  const now = deps.now ?? Date.now;
  const url = new URL(tenant.delivery.url);
  const allowPrivate = tenant.delivery.allowPrivate ?? false;
  const breaker = createBreaker(deps.breaker, now);
  const stopping = new AbortController();
  const lanes = new Map<string, Promise<void>>();
  const held = new Set<string>();

  /** One POST: the endpoint's status when it answered, and the failure unless it was a 2xx. */
  const attempt = async (d: Carried): Promise<{ status?: number; failure?: DeliveryError }> => {
    try {
      const req = webhookRequest(d, deps.secrets.key, now());
      const answer = await postWebhook(
        { url, headers: req.headers, body: req.body, allowPrivate, ...(deps.secrets.clientCert === undefined ? {} : { clientCert: deps.secrets.clientCert }) },
        deps.limits,
        deps.hostLookup,
      );
      if (answer.status >= 200 && answer.status < 300) return { status: answer.status };
      return { status: answer.status, failure: new DeliveryError(DeliveryErrorCode.Status, `endpoint answered ${answer.status}`, { status: answer.status }) };
    } catch (err) {
      return { failure: isDeliveryError(err) ? err : new DeliveryError(DeliveryErrorCode.Unsendable, 'the request could not be made', { cause: err }) };
    }
  };

  const deliver = async (d: Carried): Promise<void> => {
    for (let n = 1; !stopping.signal.aborted; n++) {
      try {
        await breaker.acquire(stopping.signal);
      } catch {
        return;
      }
      const { status, failure } = await attempt(d);
      breaker.record(failure === undefined);
      deps.observe?.(tenant.hotline, failure === undefined ? 'delivered' : 'failed', status);
      if (failure === undefined) {
        await d.ack();
        return;
      }
      log.warn({ hotline: tenant.hotline, id: d.message.id, attempt: n, code: failure.code, status: failure.status }, 'webhook not delivered; retrying');
      if (now() - d.storedAt >= deps.retry.maxAgeMs) {
        const last = new DeliveryError(failure.code, `not delivered after ${n} attempts; last answer: ${failure.message}`, failure.status === undefined ? {} : { status: failure.status });
        try {
          await d.deadLetter(SERVICE, last);
          deps.observe?.(tenant.hotline, 'dead-lettered', failure.status);
          log.error({ hotline: tenant.hotline, id: d.message.id, attempts: n, code: failure.code, status: failure.status }, 'webhook given up: sent to the DLQ');
          return;
        } catch (err) {
          log.error({ err, hotline: tenant.hotline }, 'DLQ unavailable: keeping the message');
        }
      }
      await sleep(backoffMs(deps.retry, n), stopping.signal);
    }
  };

  const schedule = (d: Carried): void => {
    const slot = `${d.stream}:${d.seq}`;
    // A copy the server handed out again while the first is still held here: the first settles it.
    if (held.has(slot)) return;
    held.add(slot);
    const keepAlive = setInterval(() => d.working(), WORKING_EVERY_MS);
    const lane = caseOf(d);
    const next = (lanes.get(lane) ?? Promise.resolve())
      .then(() => deliver(d))
      .catch((err: unknown) => log.error({ err, hotline: tenant.hotline }, 'webhook delivery failed unexpectedly; left for redelivery'))
      .finally(() => {
        clearInterval(keepAlive);
        held.delete(slot);
        if (lanes.get(lane) === next) lanes.delete(lane);
      });
    lanes.set(lane, next);
  };

  const pump = async (deliveries: Deliveries<Referral> | Deliveries<Notice>): Promise<void> => {
    for await (const d of deliveries) {
      if (stopping.signal.aborted) break;
      schedule(d);
    }
  };

  const onRefused = deps.provenance.onRefused;
  const provenance: ProvenanceOptions = {
    ...deps.provenance,
    onRefused: (r) => {
      log.error({ hotline: tenant.hotline, subject: r.subject, seq: r.seq, code: r.code }, 'refused a message that failed verification: not delivered');
      onRefused?.(r);
    },
  };
  const referrals = await bindTenantConsumer(deps.bus, tenantConsumers.hotlineReferrals(tenant.hotline), RelayType.Referral, false, provenance);
  const notices = await bindTenantConsumer(deps.bus, tenantConsumers.hotlineNotices(tenant.hotline, tenant.country), RelayType.Notice, false, provenance);
  const pumps = [referrals, notices].map((x) => pump(x).catch((err: unknown) => log.error({ err, hotline: tenant.hotline }, 'consumer stopped')));
  log.info({ hotline: tenant.hotline, host: url.host }, 'webhook delivery running');
  return {
    hotline: tenant.hotline,
    breakerState: () => breaker.state(),
    stop: async () => {
      stopping.abort();
      await Promise.all([referrals.close(), notices.close()]);
      await Promise.all(pumps);
      await Promise.all([...lanes.values()]);
    },
  };
}
