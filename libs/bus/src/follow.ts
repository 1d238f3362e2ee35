import { DeliverPolicy } from '@nats-io/jetstream';
import type { StreamName } from '@relay/wire';
import { type Bus, internals } from './connection.js';
import { type StoredMessage, toStored } from './read.js';

/** What to follow: a stream, one filter (2.9), and where to start. */
export interface FollowRange {
  readonly stream: StreamName;
  readonly filterSubject?: string;
  /** From this sequence (inclusive); from the first stored message when omitted. */
  readonly startSeq?: number;
}

/** A running follow; `stop()` ends it (no more calls of `onMessage`) and leaves nothing behind on the server. */
export interface Following {
  stop(): Promise<void>;
}

/**
 * Follows a stream with an ephemeral ordered consumer, calling `onMessage`
 * for each stored message in order, then for each new one as it is stored,
 * until stopped: a live feed that resumes at a sequence without gaps or
 * repeats. Unlike {@link readStream} it can be stopped while waiting. With a
 * filter the consumer is created on `$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>`,
 * so permissions can fix the filter a user may read (decision 0135).
 * @throws the server's or client's error when the consumer cannot be created (no permission, no stream).
 */
export async function followStream(bus: Bus, range: FollowRange, onMessage: (m: StoredMessage) => void): Promise<Following> {
  const { js } = internals(bus);
  const consumer = await js.consumers.get(range.stream, {
    ...(range.filterSubject === undefined ? {} : { filter_subjects: range.filterSubject }),
    ...(range.startSeq === undefined ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: range.startSeq }),
  });
  const messages = await consumer.consume({ max_messages: 256 });
  const done = (async () => {
    for await (const m of messages) onMessage(toStored(m));
  })().catch(() => undefined);
  return {
    stop: async () => {
      messages.stop();
      await done;
    },
  };
}
