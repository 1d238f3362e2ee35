import { type Bus, type ConsumerRunner, runConsumer } from '@relay/bus';
import { deriveId, RelayType, StreamName } from '@relay/wire';
import { HOSTERS, observation } from './observations.js';
import { publishObservation } from './publish.js';

/**
 * A stand-in for the locator's recheck side: answers each RecheckRequest with
 * an observation of where `where(url)` says the URL is, resolved at `now()`.
 */
export async function startRecheckResponder(bus: Bus, where: (url: string) => keyof typeof HOSTERS, now: () => number): Promise<ConsumerRunner> {
  return runConsumer(
    bus,
    { stream: StreamName.Rechecks, durable: `test-locator-${deriveId('t', Math.random()).slice(2, 10)}`, filterSubject: 'relay.recheck.>', types: [RelayType.RecheckRequest], service: 'test-locator' },
    async (m) => {
      const r = m.message;
      await publishObservation(bus, observation({ url: r.url, hoster: HOSTERS[where(r.url)], resolvedAt: now(), cause: { recheckId: r.id, caseId: r.caseId } }));
    },
  );
}
