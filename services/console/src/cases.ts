import type { ConsoleRead } from '@relay/accounts';
import { type Bus, readStream } from '@relay/bus';
import { type FeedEvent, feedEventOf } from './feed.js';

/** Case ids as the dispatcher makes them; anything else in a URL is refused before it reaches NATS. */
export const CASE_ID = /^[A-Za-z0-9_:.-]{1,128}$/;

function caseIdOf(event: FeedEvent): string | undefined {
  const m = event.message as { caseId?: unknown } | null;
  return typeof m?.caseId === 'string' ? m.caseId : undefined;
}

/**
 * Every message of case `caseId` the tenant may read, oldest first per stream:
 * read through the tenant's connection with the tenant's filters, so another
 * tenant's case yields nothing (the broker would refuse any wider read).
 */
export async function caseHistory(bus: Bus, reads: readonly ConsoleRead[], caseId: string): Promise<FeedEvent[]> {
  const events: FeedEvent[] = [];
  for (const read of reads) {
    for await (const m of readStream(bus, { stream: read.stream, filterSubject: read.filter })) {
      const event = feedEventOf(m);
      if (event !== undefined && caseIdOf(event) === caseId) events.push(event);
    }
  }
  return events.sort((a, b) => a.time.localeCompare(b.time));
}

/** Every message the tenant may read on one stream, oldest first (for the CSV export). */
export async function streamHistory(bus: Bus, read: ConsoleRead): Promise<FeedEvent[]> {
  const events: FeedEvent[] = [];
  for await (const m of readStream(bus, { stream: read.stream, filterSubject: read.filter })) {
    const event = feedEventOf(m);
    if (event !== undefined) events.push(event);
  }
  return events;
}
