import { AckPolicy, type ConsumerConfig, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { RelayMessageMap, RelayTypeName, StreamName } from '@relay/wire';
import { type Bus, internals } from './connection.js';
import { type Consumed, decodeDelivery, type VerifyMessage } from './delivery.js';
import { deadLetter } from './dlq.js';
import { isNotFoundError, isRetryable } from './errors.js';
import { whileStarting } from './starting.js';

/** A durable pull consumer to create or update. */
export interface ConsumerSpec {
  readonly stream: StreamName;
  readonly durable: string;
  /** One filter subject (2.9 has no multi-filter consumers). */
  readonly filterSubject: string;
  /** How long the server waits for an ack before redelivering, ms. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Unacked messages the server lets this consumer have out. Default 1,000. */
  readonly maxAckPending?: number;
  /** Where a new consumer starts. Default: the whole stream. */
  readonly deliverPolicy?: 'all' | 'new';
  /** The first stream sequence a new consumer delivers (overrides `deliverPolicy`); ignored for an existing one. */
  readonly startSequence?: number;
}

/** Settings of a consumer runner. */
export interface RunnerOptions<K extends RelayTypeName> extends ConsumerSpec {
  /** `Relay-Type`s this consumer handles; anything else goes to the DLQ. */
  readonly types: readonly K[];
  /** Service name for `relay.dlq.<service>`. */
  readonly service: string;
  /** Messages handled at once. Default 64. */
  readonly concurrency?: number;
  /** Deliveries before a retryable failure goes to the DLQ. Default 10. */
  readonly maxDeliver?: number;
  /** Delay before redelivery after the n-th failed delivery, ms. */
  readonly backoffMs?: (deliveryCount: number) => number;
  /** Wait for the server to confirm each ack (slower; for strict ordering). */
  readonly confirmAck?: boolean;
  /** Checks a message before decoding (provenance); throw to dead-letter it. */
  readonly verify?: VerifyMessage;
  /** Where to report failures. */
  readonly log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** A running consumer. */
export interface ConsumerRunner {
  /** Stops fetching, lets in-flight handlers finish and ack, and resolves. */
  stop(): Promise<void>;
  /** Resolves when the runner has stopped. */
  readonly done: Promise<void>;
  /** Messages currently being handled. */
  inFlight(): number;
}

const defaultBackoff = (n: number): number => Math.min(30_000, 250 * 2 ** Math.max(0, n - 1));

/** Creates the durable pull consumer, or updates it to `spec`. Idempotent. */
export async function ensureConsumer(bus: Bus, spec: ConsumerSpec): Promise<void> {
  const { jsm } = internals(bus);
  const ackWait = (spec.ackWaitMs ?? 30_000) * 1_000_000;
  const maxAckPending = spec.maxAckPending ?? 1_000;
  const want: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    filter_subject: spec.filterSubject,
    ack_policy: AckPolicy.Explicit,
    ack_wait: ackWait,
    // Unlimited: the runner decides when to give up and dead-letters, so the
    // server never silently stops redelivering a message.
    max_deliver: -1,
    max_ack_pending: maxAckPending,
    ...(spec.startSequence === undefined
      ? { deliver_policy: spec.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, spec.startSequence) }),
  };
  const existing = await jsm.consumers.info(spec.stream, spec.durable).catch((err: unknown) => {
    // Only "no such consumer" means create it; a timeout or a refusal must not look like one.
    if (isNotFoundError(err)) return undefined;
    throw err;
  });
  if (!existing) {
    await jsm.consumers.add(spec.stream, want);
  } else if (
    existing.config.filter_subject !== spec.filterSubject ||
    existing.config.ack_wait !== ackWait ||
    existing.config.max_ack_pending !== maxAckPending
  ) {
    await jsm.consumers.update(spec.stream, spec.durable, {
      filter_subject: spec.filterSubject,
      ack_wait: ackWait,
      max_ack_pending: maxAckPending,
    });
  }
}

/**
 * Deletes a durable consumer. Resolves false when it did not exist.
 * @throws the server's error for anything else (permissions, no leader).
 */
export async function deleteConsumer(bus: Bus, stream: StreamName, durable: string): Promise<boolean> {
  const { jsm } = internals(bus);
  try {
    return await jsm.consumers.delete(stream, durable);
  } catch (err) {
    if (err instanceof Error && err.name === 'ConsumerNotFoundError') return false;
    throw err;
  }
}

/**
 * The stream sequence up to which a durable consumer has every message
 * acknowledged (its ack floor; 0 when none yet), or undefined when the
 * consumer does not exist.
 */
export async function consumerAckFloor(bus: Bus, stream: StreamName, durable: string): Promise<number | undefined> {
  const { jsm } = internals(bus);
  const info = await jsm.consumers.info(stream, durable).catch((err: unknown) => {
    if (err instanceof Error && err.name === 'ConsumerNotFoundError') return undefined;
    throw err;
  });
  return info?.ack_floor.stream_seq;
}

/**
 * Runs `handle` for every message of a durable pull consumer, at most
 * `concurrency` at once: decode by `Relay-Type`, handle, ack. A retryable
 * failure is nak'ed with backoff; a poison message (unknown type, undecodable,
 * refused by `verify`, non-retryable error, or too many deliveries) is stored
 * on the DLQ with its error and terminated, so it never blocks the stream:
 * when its full DLQ entry is refused (too large, a header NATS refuses), a
 * minimal one is stored instead. Only a DLQ that takes nothing at all keeps
 * a message, nak'ed with backoff; nothing in a message can cause that.
 * Handlers must be idempotent: delivery is at least once.
 */
export async function runConsumer<K extends RelayTypeName>(
  bus: Bus,
  options: RunnerOptions<K>,
  handle: (consumed: Consumed<RelayMessageMap[K]>) => Promise<void>,
): Promise<ConsumerRunner> {
  // A cluster that has just formed answers 503 for some seconds: a service start waits that out.
  await whileStarting(() => ensureConsumer(bus, options));
  const { js, metrics } = internals(bus);
  const consumer = await whileStarting(() => js.consumers.get(options.stream, options.durable));
  const concurrency = options.concurrency ?? 64;
  const maxDeliver = options.maxDeliver ?? 10;
  const backoff = options.backoffMs ?? defaultBackoff;
  const name = `${options.stream}/${options.durable}`;
  const accepted = new Set<string>(options.types);
  const messages = await consumer.consume({ max_messages: concurrency });

  let active = 0;
  let stopping = false;
  const waiters: (() => void)[] = [];
  const idle: (() => void)[] = [];
  const release = (): void => {
    active--;
    waiters.shift()?.();
    if (active === 0) for (const resolve of idle.splice(0)) resolve();
  };

  const process = async (m: JsMsg): Promise<void> => {
    const started = performance.now();
    let outcome: 'ack' | 'retry' | 'dlq' = 'ack';
    try {
      await handle(decodeDelivery<K>(m, accepted, options.verify));
      if (options.confirmAck) await m.ackAck();
      else m.ack();
    } catch (err) {
      if (isRetryable(err) && m.info.deliveryCount < maxDeliver) {
        outcome = 'retry';
        options.log?.warn({ err, subject: m.subject, seq: m.info.streamSequence, delivery: m.info.deliveryCount }, `${name}: retrying`);
        m.nak(backoff(m.info.deliveryCount));
      } else {
        outcome = 'dlq';
        try {
          // Past twice the handler's budget, stop waiting for the full entry: a
          // minimal one (no payload or headers) is stored if the DLQ takes anything.
          const stored = await deadLetter(bus, options.service, m, err, { minimalOnRetryable: m.info.deliveryCount >= 2 * maxDeliver });
          options.log?.error({ err, subject: m.subject, seq: m.info.streamSequence, entry: stored.entry }, `${name}: sent to DLQ`);
          // No reason: nats-server 2.9 ignores "+TERM <reason>" (2.10+), so the
          // message would stay pending and come back after every ack wait.
          m.term();
        } catch (dlqErr) {
          // Not even a minimal entry could be stored: the DLQ is unavailable or
          // refuses this service, whatever the message says. Keep the message.
          outcome = 'retry';
          options.log?.error({ err: dlqErr, subject: m.subject }, `${name}: DLQ unavailable, will redeliver`);
          m.nak(backoff(m.info.deliveryCount));
        }
      }
    } finally {
      metrics.handled(name, outcome, (performance.now() - started) / 1000);
    }
  };

  const done = (async () => {
    for await (const m of messages) {
      if (stopping) {
        // Fetched but not started: hand it back at once rather than after ack_wait.
        m.nak();
        continue;
      }
      if (active >= concurrency) await new Promise<void>((resolve) => waiters.push(resolve));
      active++;
      void process(m).finally(release);
    }
    if (active > 0) await new Promise<void>((resolve) => idle.push(resolve));
  })();

  return {
    inFlight: () => active,
    done,
    stop: async () => {
      if (!stopping) {
        stopping = true;
        await messages.close();
      }
      await done;
    },
  };
}
