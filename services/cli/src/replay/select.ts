import { type Bus, readStream, STREAM_SPECS, type StoredMessage } from '@relay/bus';
import { decodeMessage, Header, RelayType, StreamName } from '@relay/wire';
import { UsageError } from '../errors.js';

/** The streams whose messages name a referral (`--referral`). */
export const REFERRAL_STREAMS: readonly StreamName[] = [StreamName.Referrals, StreamName.Notices, StreamName.Status, StreamName.Archive];

/**
 * A stream named on the command line (any case).
 * @throws UsageError listing the streams there are.
 */
export function streamNamed(text: string): StreamName {
  const name = text.toUpperCase();
  const found = Object.values(StreamName).find((s) => s === name);
  if (!found) throw new UsageError(`--stream: ${JSON.stringify(text)} is not a relay stream (one of ${Object.values(StreamName).join(', ')})`);
  return found;
}

/** True when every subject matching `filter` also matches `pattern` (NATS wildcards). */
export function isSubjectSubset(filter: string, pattern: string): boolean {
  const f = filter.split('.');
  const p = pattern.split('.');
  for (let i = 0; i < p.length; i++) {
    const pt = p[i];
    const ft = f[i];
    if (pt === '>') return ft !== undefined;
    if (ft === undefined || ft === '>') return false;
    if (pt !== '*' && (ft === '*' || ft !== pt)) return false;
  }
  return f.length === p.length;
}

/**
 * Checks a `--subject` filter: a well-formed NATS subject filter inside the
 * stream's subjects (one filter: nats-server 2.9 takes no more).
 * @throws UsageError saying which subjects the stream holds.
 */
export function checkSubjectFilter(stream: StreamName, filter: string): string {
  const tokens = filter.split('.');
  const wellFormed = tokens.every((t, i) => t !== '' && !/\s/.test(t) && (t === '>' ? i === tokens.length - 1 : !t.includes('>')) && (t === '*' || !t.includes('*')));
  if (!wellFormed) throw new UsageError(`--subject: ${JSON.stringify(filter)} is not a NATS subject filter (tokens separated by ".", "*" for one token, ">" last)`);
  const spec = STREAM_SPECS.find((s) => s.name === stream);
  if (spec && !spec.subjects.some((p) => isSubjectSubset(filter, p))) {
    throw new UsageError(`--subject: ${filter} is outside stream ${stream}, which holds ${spec.subjects.join(', ')}`);
  }
  return filter;
}

/** The referral ids a stored message is about: a referral's own id, a notice's or status update's referral. */
export function referralIdsOf(m: Pick<StoredMessage, 'headers' | 'data'>): readonly string[] {
  try {
    switch (m.headers[Header.Type]) {
      case RelayType.Referral:
        return [decodeMessage(RelayType.Referral, m.data).id];
      case RelayType.Notice:
        return [decodeMessage(RelayType.Notice, m.data).referralId];
      case RelayType.StatusUpdate:
        return [decodeMessage(RelayType.StatusUpdate, m.data).referralId];
      default:
        return [];
    }
  } catch {
    return [];
  }
}

/** Which messages a replay reads. */
export interface Selection {
  readonly stream: StreamName;
  readonly filterSubject?: string;
  /** Stored at or after. */
  readonly since?: Date;
  /** Stored before. */
  readonly until?: Date;
  /** Only messages about this referral. */
  readonly referral?: string;
}

/** The selected messages in stream order, up to the last one stored when reading began. */
export async function* selectMessages(bus: Bus, selection: Selection): AsyncGenerator<StoredMessage> {
  const range = {
    stream: selection.stream,
    ...(selection.filterSubject === undefined ? {} : { filterSubject: selection.filterSubject }),
    ...(selection.since === undefined ? {} : { startTime: selection.since }),
    ...(selection.until === undefined ? {} : { endTime: selection.until }),
  };
  for await (const m of readStream(bus, range)) {
    if (selection.referral !== undefined && !referralIdsOf(m).includes(selection.referral)) continue;
    yield m;
  }
}
