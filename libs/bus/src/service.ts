import { headers as natsHeaders } from '@nats-io/transport-node';
import { isInboxSubject } from '@relay/wire';
import { type Bus, internals } from './connection.js';
import { headersToRecord } from './header-record.js';

/** A core-NATS request or reply: bytes and headers. */
export interface Envelope {
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/** A running request handler. */
export interface Responder {
  /** Stops taking requests and lets in-flight ones answer. */
  stop(): Promise<void>;
}

/** Settings of {@link serveRequests}. */
export interface ServeOptions {
  /**
   * Called for a request whose reply subject is not a reply inbox (see
   * `isInboxSubject`): it is dropped unhandled and unanswered. Count it.
   */
  readonly onRefusedReply?: (reply: string) => void;
}

/**
 * Answers core-NATS requests on `subject` (in a queue group, so several copies
 * of a service share the load). A handler that throws answers nothing; the
 * requester times out, so handlers should return an error reply instead.
 * The reply subject is the requester's choice and so hostile: a request whose
 * reply is not a concrete `_INBOX.` subject is neither handled nor answered.
 */
export function serveRequests(
  bus: Bus,
  subject: string,
  queue: string,
  handle: (request: Envelope & { subject: string }) => Promise<Envelope>,
  options: ServeOptions = {},
): Responder {
  const { nc } = internals(bus);
  const sub = nc.subscribe(subject, { queue });
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const m of sub) {
      if (!isInboxSubject(m.reply)) {
        options.onRefusedReply?.(m.reply ?? '');
        continue;
      }
      const p = (async () => {
        const reply = await handle({ subject: m.subject, data: m.data, headers: headersToRecord(m.headers) });
        const h = natsHeaders();
        for (const [k, v] of Object.entries(reply.headers)) h.set(k, v);
        m.respond(reply.data, { headers: h });
      })()
        .catch(() => undefined)
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();
  return {
    stop: async () => {
      await sub.drain();
      await loop;
      await Promise.all(inFlight);
    },
  };
}

/**
 * Sends a core-NATS request and waits for the reply.
 * @throws the client's TimeoutError or NoRespondersError (both retryable).
 */
export async function request(
  bus: Bus,
  subject: string,
  data: Uint8Array,
  options: { timeoutMs?: number; headers?: Readonly<Record<string, string>> } = {},
): Promise<Envelope> {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(options.headers ?? {})) h.set(k, v);
  const m = await internals(bus).nc.request(subject, data, { timeout: options.timeoutMs ?? 10_000, headers: h });
  return { data: m.data, headers: headersToRecord(m.headers) };
}
