import { type Bus, followStream, type Following, type StoredMessage } from '@relay/bus';
import type { ConsoleRead } from '@relay/accounts';
import { decodeMessage, errorFromHeader, Header, isRelayType, messageToJson, StreamName } from '@relay/wire';

/** The letter of each stream in a feed position. */
const LETTER: Readonly<Record<string, string>> = {
  [StreamName.Referrals]: 'R',
  [StreamName.Notices]: 'N',
  [StreamName.Status]: 'S',
  [StreamName.Dlq]: 'D',
};

/** Last delivered sequence per stream: the SSE event id, `R12-N40-S3`, and what `Last-Event-ID` resumes from. */
export type FeedPosition = Readonly<Record<string, number>>;

const POSITION = /^[A-Z]\d{1,15}(?:-[A-Z]\d{1,15}){0,7}$/;

/**
 * Reads a `Last-Event-ID`; undefined when absent. Anything but a position the
 * console wrote is refused (null): the header is the client's, so hostile.
 */
export function parsePosition(text: string | undefined): FeedPosition | undefined | null {
  if (text === undefined || text === '') return undefined;
  if (text.length > 200 || !POSITION.test(text)) return null;
  const position: Record<string, number> = {};
  for (const part of text.split('-')) {
    const stream = Object.keys(LETTER).find((s) => LETTER[s] === part[0]);
    const seq = Number(part.slice(1));
    if (stream === undefined || !Number.isSafeInteger(seq)) return null;
    position[stream] = seq;
  }
  return position;
}

/** The SSE id of a position. */
export function formatPosition(position: FeedPosition): string {
  return Object.entries(position)
    .filter(([stream]) => LETTER[stream] !== undefined)
    .map(([stream, seq]) => `${LETTER[stream] ?? ''}${seq}`)
    .join('-');
}

/** One stored message as a page gets it: the decoded message, never the raw bytes. */
export interface FeedEvent {
  readonly stream: string;
  readonly seq: number;
  readonly subject: string;
  readonly time: string;
  readonly type: string;
  /** The proto3 JSON of the message; for a DLQ entry only what failed, where and why (no payload). */
  readonly message: unknown;
}

/** A stored message as a feed event; undefined for one that cannot be decoded (a page shows nothing it cannot read). */
export function feedEventOf(m: StoredMessage): FeedEvent | undefined {
  const type = m.headers[Header.Type] ?? '';
  const base = { stream: m.stream, seq: m.seq, subject: m.subject, time: m.time.toISOString(), type };
  if (m.stream === StreamName.Dlq) {
    const error = errorFromHeader(m.headers[Header.Error] ?? '');
    return {
      ...base,
      message: {
        service: m.headers[Header.DlqService] ?? m.subject.split('.').at(-1) ?? '',
        error,
        subject: m.headers[Header.DlqSubject] ?? '',
        source: m.headers[Header.DlqSource] ?? '',
      },
    };
  }
  if (!isRelayType(type)) return undefined;
  try {
    return { ...base, message: messageToJson(type, decodeMessage(type, m.data)) };
  } catch {
    return undefined;
  }
}

/**
 * Follows every read of a tenant from `from` (each stream after its position,
 * or from its start), calling `send` with each event and the position after
 * it. Created through the tenant's connection, so the broker decides what it
 * may see. `stop()` ends every follow.
 * @throws the server's refusal when a read is not the tenant's.
 */
export async function openFeed(
  bus: Bus,
  reads: readonly ConsoleRead[],
  from: FeedPosition,
  send: (event: FeedEvent, position: FeedPosition) => void,
): Promise<Following> {
  const position: Record<string, number> = { ...from };
  const follows: Following[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(follows.map((f) => f.stop()));
  };
  try {
    for (const read of reads) {
      const after = from[read.stream];
      follows.push(
        await followStream(bus, { stream: read.stream, filterSubject: read.filter, ...(after === undefined ? {} : { startSeq: after + 1 }) }, (m) => {
          position[m.stream] = m.seq;
          const event = feedEventOf(m);
          if (event !== undefined) send(event, { ...position });
        }),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}
