import type { RelayMessageMap, RelayTypeName, StreamName } from '@relay/wire';
import { type Bus, internals } from './connection.js';
import { type ConsumerSpec, ensureConsumer } from './consumer.js';
import { type Consumed, decodeDelivery, type VerifyMessage } from './delivery.js';
import { deadLetter } from './dlq.js';
import { headersToRecord } from './header-record.js';

/** A provenance check that may wait (e.g. to refresh a signer list); throws or rejects to refuse. */
export type VerifyMessageAsync = (msg: Parameters<VerifyMessage>[0]) => void | Promise<void>;

/** A delivered message that the receiver settles itself. */
export interface Delivery<T> extends Consumed<T> {
  /** Confirms processing and waits until the server recorded it. */
  ack(): Promise<void>;
  /** Asks for redelivery, after `delayMs` if given. */
  nak(delayMs?: number): void;
  /**
   * Never deliver this message to this consumer again. `reason` is for the
   * caller's own log only: nats-server 2.9 ignores a `+TERM` that carries a
   * reason (2.10+), which would leave the message to come back.
   */
  term(reason?: string): void;
  /** Extends the ack deadline while a long task runs. */
  working(): void;
  /** When the stream stored it, Unix ms (set by the server). */
  readonly storedAt: number;
  /** The payload as stored (the bytes its provenance signature covers). */
  readonly data: Uint8Array;
  /**
   * Stores it on `relay.dlq.<service>` with `error` (see `deadLetter`), then
   * terminates it here. Idempotent per message.
   * @throws PublishError when the DLQ is unavailable: the message is kept.
   */
  deadLetter(service: string, error: unknown): Promise<void>;
}

/** Settings of {@link pullDeliveries}. */
export interface PullOptions<K extends RelayTypeName> {
  readonly stream: StreamName;
  /** The durable consumer to read from. */
  readonly durable: string;
  readonly types: readonly K[];
  /** Create or update the consumer first; omit to bind to one the broker made (tenants may not create consumers). */
  readonly create?: Omit<ConsumerSpec, 'stream' | 'durable'>;
  /** Messages fetched ahead. Default 64. */
  readonly batch?: number;
  /** Checked before decoding; a refused message is terminated and reported through `onRefused`. */
  readonly verify?: VerifyMessageAsync;
  /** Called for a message that cannot be decoded or verified; it is then terminated. */
  readonly onRefused?: (err: unknown, subject: string, seq: number) => void;
}

/** An async iterator of deliveries that can be closed. */
export type Deliveries<T> = AsyncIterable<Delivery<T>> & { close(): Promise<void> };

/**
 * Iterates a durable pull consumer with explicit settlement by the caller
 * (at least once: an unsettled delivery comes back after the ack wait). Made
 * for tenants such as hotline systems and police liaisons.
 */
export async function pullDeliveries<K extends RelayTypeName>(bus: Bus, options: PullOptions<K>): Promise<Deliveries<RelayMessageMap[K]>> {
  if (options.create) await ensureConsumer(bus, { ...options.create, stream: options.stream, durable: options.durable });
  const consumer = await internals(bus).js.consumers.get(options.stream, options.durable);
  const messages = await consumer.consume({ max_messages: options.batch ?? 64 });
  const accepted = new Set<string>(options.types);
  const iterate = async function* (): AsyncGenerator<Delivery<RelayMessageMap[K]>> {
    for await (const m of messages) {
      let consumed: Consumed<RelayMessageMap[K]>;
      try {
        if (options.verify) {
          await options.verify({ data: m.data, headers: headersToRecord(m.headers), subject: m.subject, storedAt: Math.floor(m.info.timestampNanos / 1e6) });
        }
        consumed = decodeDelivery<K>(m, accepted);
      } catch (err) {
        // A bare +TERM: 2.9 ignores one with a reason.
        m.term();
        try {
          options.onRefused?.(err, m.subject, m.info.streamSequence);
        } catch {
          // The caller's report of a refused message must not end the iteration.
        }
        continue;
      }
      yield {
        ...consumed,
        ack: async () => {
          await m.ackAck();
        },
        nak: (delayMs) => m.nak(delayMs),
        term: () => m.term(),
        working: () => m.working(),
        storedAt: Math.floor(m.info.timestampNanos / 1e6),
        data: m.data,
        deadLetter: async (service, error) => {
          await deadLetter(bus, service, m, error);
          m.term();
        },
      };
    }
  };
  return Object.assign(iterate(), { close: async () => void (await messages.close()) });
}
