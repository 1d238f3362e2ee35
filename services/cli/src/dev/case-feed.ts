import { type Bus, readStream, streamState } from '@relay/bus';
import { type HostingObservation, type Notice, type Referral, StreamName } from '@relay/wire';
import { UnavailableError } from '../errors.js';
import { type DecodedMessage, decodeStored } from '../commands/message-lines.js';
import { pollUntil } from './poll.js';

/** A message the scenario waits for, described for the "stalled" message. */
export interface Expectation {
  readonly what: string;
  readonly matches: (d: DecodedMessage) => boolean;
}

/** What happens to one case, as it happens. */
export interface CaseFeed {
  /** Messages about the case stored since the last call, in arrival order. */
  take(): DecodedMessage[];
  /** Stops following (closes the feed's own connection). */
  stop(): Promise<void>;
}

/** The case a feed follows: by its id (referrals, notices) and its URL (observations). */
export interface FollowedCase {
  readonly caseId: string;
  readonly normalizedUrl: string;
}

const FOLLOWED = [StreamName.Hosting, StreamName.Referrals, StreamName.Notices] as const;

function belongsTo(c: FollowedCase, d: DecodedMessage): boolean {
  if (d.type === 'relay.v1.HostingObservation') return (d.message as HostingObservation).normalizedUrl === c.normalizedUrl;
  if (d.type === 'relay.v1.Referral') return (d.message as Referral).caseId === c.caseId;
  if (d.type === 'relay.v1.Notice') return (d.message as Notice).caseId === c.caseId;
  return false;
}

/**
 * Follows HOSTING, REFERRALS and NOTICES from their current end on its own
 * connection (closed by `stop`), keeping every message about the case.
 * Start it before the report is sent, so nothing is missed.
 */
export async function followCase(bus: Bus, followed: FollowedCase): Promise<CaseFeed> {
  let fresh: DecodedMessage[] = [];
  let failure: unknown;
  const starts = await Promise.all(FOLLOWED.map(async (stream) => ({ stream, startSeq: ((await streamState(bus, stream))?.lastSeq ?? 0) + 1 })));
  const loops = starts.map(async ({ stream, startSeq }) => {
    for await (const stored of readStream(bus, { stream, startSeq, follow: true })) {
      const d = decodeStored(stored);
      if (belongsTo(followed, d)) fresh.push(d);
    }
  });
  for (const loop of loops) loop.catch((err: unknown) => (failure ??= err));
  return {
    take: () => {
      if (failure !== undefined) throw new UnavailableError(`lost the message feed: ${failure instanceof Error ? failure.message : 'unknown error'}`, failure);
      const taken = fresh;
      fresh = [];
      return taken;
    },
    stop: async () => {
      await bus.close();
      await Promise.allSettled(loops);
    },
  };
}

/**
 * Takes the feed's messages, handing each to `onEach` in order, until every
 * expectation has matched one; resolves with the first match of each.
 * @throws UnavailableError naming what never came after `timeoutMs`.
 */
export async function waitForAll(
  feed: CaseFeed,
  expectations: readonly Expectation[],
  timeoutMs: number,
  onEach: (d: DecodedMessage) => void,
): Promise<DecodedMessage[]> {
  const seen: DecodedMessage[] = [];
  const firstMatches = (): (DecodedMessage | undefined)[] => expectations.map((e) => seen.find((d) => e.matches(d)));
  try {
    return await pollUntil(
      () => {
        for (const d of feed.take()) {
          seen.push(d);
          onEach(d);
        }
        const found = firstMatches();
        return found.every((d) => d !== undefined) ? found : undefined;
      },
      { timeoutMs, what: 'the scenario' },
    );
  } catch (err) {
    if (err instanceof UnavailableError) throw err;
    const missing = expectations.filter((_, i) => firstMatches()[i] === undefined).map((e) => e.what);
    throw new UnavailableError(`the scenario stalled: no ${missing.join(', no ')} within ${Math.round(timeoutMs / 1000)} s; the services' log lines say why`, err);
  }
}
