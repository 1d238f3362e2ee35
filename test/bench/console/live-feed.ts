// The console's live feed (`GET /api/events`, server-sent events) read as the page's EventSource
// reads it: cookies, `Accept: text/event-stream`, and after a drop a reconnect that waits the
// server's `retry` and sends the last event id as `Last-Event-ID`. Each event is recorded with
// the time it arrived.
import { createParser } from 'eventsource-parser';
import type { ConsoleSession } from './session.js';

/** One feed event as it arrived. */
export interface Arrival {
  /** The SSE id: the position after the event (`R12-N40`). */
  readonly id: string;
  readonly stream: string;
  readonly seq: number;
  readonly type: string;
  /** When the stream stored it (its JetStream time), epoch ms. */
  readonly storedAt: number;
  /** When it arrived here, epoch ms. */
  readonly arrivedAt: number;
  /** Which connection of the feed brought it, from 1. */
  readonly connection: number;
  readonly message: { readonly id?: string; readonly url?: string; readonly country?: string; readonly kind?: string; readonly hotline?: string };
}

/** A person's open feed. */
export interface LiveFeed {
  /** Every event so far, over every connection, in arrival order. */
  readonly arrivals: readonly Arrival[];
  /** `feed-error` events and broken connections. */
  readonly errors: readonly string[];
  /** Connections opened so far. */
  connections(): number;
  /** Cuts the connection as a dropped network would (the console sees it close). */
  drop(): Promise<void>;
  /** Reconnects as EventSource does: after the server's `retry`, with `Last-Event-ID`. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

interface FeedData {
  stream: string;
  seq: number;
  time: string;
  type: string;
  message: Arrival['message'];
}

/** Opens `session`'s live feed; `onArrival` is told of each event as it comes. */
export async function openLiveFeed(session: ConsoleSession, onArrival: (a: Arrival) => void = () => undefined): Promise<LiveFeed> {
  const arrivals: Arrival[] = [];
  const errors: string[] = [];
  let retryMs = 1000;
  let lastId: string | undefined;
  let connection = 0;
  let current: { abort: AbortController; reading: Promise<void> } | undefined;

  const connect = async (): Promise<void> => {
    const n = ++connection;
    const abort = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (lastId !== undefined) headers['last-event-id'] = lastId;
    const res = await session.fetch('/api/events', { headers, signal: abort.signal });
    if (res.status !== 200 || res.body === null) throw new Error(`console feed of ${session.user}: ${res.status} ${await res.text()}`);
    const parser = createParser({
      onRetry: (ms) => {
        retryMs = ms;
      },
      onEvent: (e) => {
        if (e.event === 'feed-error') {
          errors.push(`${session.user}: ${e.data}`);
          return;
        }
        const arrivedAt = Date.now();
        const data = JSON.parse(e.data) as FeedData;
        if (e.id !== undefined) lastId = e.id;
        const arrival: Arrival = { id: e.id ?? '', stream: data.stream, seq: data.seq, type: data.type, storedAt: Date.parse(data.time), arrivedAt, connection: n, message: data.message };
        arrivals.push(arrival);
        onArrival(arrival);
      },
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const reading = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch (err) {
        if (!abort.signal.aborted) errors.push(`${session.user}: feed broke: ${(err as Error).message}`);
      }
    })();
    current = { abort, reading };
  };

  const drop = async (): Promise<void> => {
    const c = current;
    current = undefined;
    if (c === undefined) return;
    c.abort.abort();
    await c.reading;
  };

  await connect();
  return {
    arrivals,
    errors,
    connections: () => connection,
    drop,
    resume: async () => {
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      await connect();
    },
    close: drop,
  };
}
