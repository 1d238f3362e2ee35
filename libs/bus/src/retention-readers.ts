import { AckPolicy } from '@nats-io/jetstream';
import { type StreamName, subjectMatchesFilter } from '@relay/wire';
import { type Bus, internals } from './connection.js';
import type { ConsumerSpec } from './consumer.js';

/**
 * A durable consumer that must have delivered a message before retention may
 * erase it: a tenant's (decision 0004), or a service's own (the dispatcher's
 * status consumers, decision 0090).
 */
export interface Reader {
  readonly stream: StreamName;
  readonly name: string;
  /** Its filter subject; '' reads the whole stream. */
  readonly filter: string;
  /** Every message it selects up to this stream sequence is acknowledged; 0 when none (or it does not exist yet). */
  readonly ackFloor: number;
  /** True for a consumer that is expected (its tenant is in the directory) but not created yet. */
  readonly missing: boolean;
}

/**
 * Every durable consumer on `stream` that acknowledges what it reads, and
 * every `expected` one that does not exist yet (its tenant's messages wait in
 * the stream until `relay topology apply` makes it, decision 0097). Ordered
 * and other consumers without acks (`relay tail`, replays) hold nothing.
 */
export async function readersOf(bus: Bus, stream: StreamName, expected: readonly ConsumerSpec[]): Promise<Reader[]> {
  const { jsm } = internals(bus);
  const readers = new Map<string, Reader>();
  for await (const ci of jsm.consumers.list(stream)) {
    const c = ci.config;
    if (!c.durable_name || c.ack_policy === AckPolicy.None) continue;
    readers.set(c.durable_name, { stream, name: c.durable_name, filter: c.filter_subject ?? '', ackFloor: ci.ack_floor.stream_seq, missing: false });
  }
  for (const spec of expected) {
    if (spec.stream !== stream || readers.has(spec.durable)) continue;
    readers.set(spec.durable, { stream, name: spec.durable, filter: spec.filterSubject, ackFloor: 0, missing: true });
  }
  return [...readers.values()];
}

/** The readers that still have to deliver the message at `seq` on `subject`. */
export function holdersOf(readers: readonly Reader[], seq: number, subject: string): Reader[] {
  return readers.filter((r) => seq > r.ackFloor && subjectMatchesFilter(r.filter, subject));
}
