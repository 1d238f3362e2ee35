import type { NatsConnection } from '@nats-io/transport-node';

/** The parts of nats.js's (internal) protocol handler this module relies on. */
interface ProtocolHandler {
  flushPending(): void;
  readonly outbound: { size(): number };
  readonly pendingLimit: number;
}

function isProtocolHandler(p: unknown): p is ProtocolHandler {
  const h = p as Partial<ProtocolHandler> | undefined;
  return typeof h?.flushPending === 'function' && typeof h.outbound?.size === 'function' && typeof h.pendingLimit === 'number';
}

/**
 * Makes the connection write to its socket once per turn of the event loop
 * instead of once per microtask cascade (decision 0080). nats.js schedules a
 * socket write with `queueMicrotask` whenever its outbound buffer goes from
 * empty to not empty, so a handler that publishes, awaits the ack, and
 * publishes again pays a `write(2)` for every few hundred bytes. Deferring the
 * flush to `process.nextTick` lets everything queued by the current turn's
 * promise chains leave in one write (Node's HTTP does the same with
 * cork/uncork); a buffer past nats.js's own limit (32 KiB) is still written at
 * once. Latency grows by at most the rest of the current turn.
 *
 * Relies on nats.js 3.x internals (`protocol.flushPending`, `outbound`,
 * `pendingLimit`); returns false and changes nothing when they are not there.
 */
export function coalesceWrites(nc: NatsConnection): boolean {
  const protocol = (nc as unknown as { protocol?: unknown }).protocol;
  if (!isProtocolHandler(protocol)) return false;
  const flushNow = protocol.flushPending.bind(protocol);
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    flushNow();
  };
  protocol.flushPending = () => {
    if (protocol.outbound.size() >= protocol.pendingLimit) {
      flushNow();
      return;
    }
    if (scheduled) return;
    scheduled = true;
    process.nextTick(flush);
  };
  return true;
}
