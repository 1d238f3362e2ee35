import { type Bus, consumerLag, streamState } from '@relay/bus';
import type { StreamName } from '@relay/wire';
import type { Metrics } from './metrics.js';

/** A durable consumer whose lag is exported. */
export interface ObservedConsumer {
  readonly stream: StreamName;
  readonly durable: string;
}

/** What {@link observeJetStream} polls. */
export interface JetStreamGaugeOptions {
  /** Durable consumers whose backlog this service owns; a function when the set changes (read at every poll). */
  readonly consumers: readonly ObservedConsumer[] | (() => readonly ObservedConsumer[]);
  /** Streams whose size to export (e.g. DLQ). */
  readonly streams?: readonly StreamName[];
  /** Poll interval, ms. Default 10 s. */
  readonly intervalMs?: number;
}

/**
 * Exports consumer lag (`relay_consumer_pending`, `relay_consumer_ack_pending`
 * by stream and consumer) and stream sizes (`relay_stream_messages` by stream)
 * by polling JetStream; a failed poll leaves the last values. Returns a stop
 * function. JetStream has no push for these, and a 10 s poll costs one
 * request per consumer.
 */
export function observeJetStream(bus: Bus, metrics: Metrics, options: JetStreamGaugeOptions): () => void {
  const pending = metrics.gauge('relay_consumer_pending', 'Messages not yet delivered to a durable consumer', ['stream', 'consumer']);
  const ackPending = metrics.gauge('relay_consumer_ack_pending', 'Messages delivered but not yet acknowledged', ['stream', 'consumer']);
  const size = metrics.gauge('relay_stream_messages', 'Messages stored in a stream', ['stream']);
  const poll = async (): Promise<void> => {
    for (const c of typeof options.consumers === 'function' ? options.consumers() : options.consumers) {
      const lag = await consumerLag(bus, c.stream, c.durable).catch(() => undefined);
      if (!lag) continue;
      pending.set({ stream: c.stream, consumer: c.durable }, lag.pending);
      ackPending.set({ stream: c.stream, consumer: c.durable }, lag.ackPending);
    }
    for (const s of options.streams ?? []) {
      const state = await streamState(bus, s).catch(() => undefined);
      if (state) size.set({ stream: s }, state.messages);
    }
  };
  let running = false;
  const tick = (): void => {
    if (running || !bus.isConnected()) return;
    running = true;
    void poll().finally(() => (running = false));
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 10_000);
  timer.unref();
  return () => clearInterval(timer);
}
