import { type Bus, consumerLag } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { StreamName } from '@relay/wire';

/** The durable consumers of the pipeline (contract names), with their streams. */
export const PIPELINE_CONSUMERS = [
  { stream: StreamName.Reports, durable: 'locator-reports' },
  { stream: StreamName.Rechecks, durable: 'locator-rechecks' },
  { stream: StreamName.Hosting, durable: 'dispatcher-hosting' },
] as const;

/**
 * Waits until every pipeline consumer has delivered and had acknowledged all
 * it holds: whatever was accepted so far has been handled (or is in the DLQ).
 * Consumers that do not exist yet count as not settled.
 */
export async function settled(bus: Bus, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    async () => {
      for (const c of PIPELINE_CONSUMERS) {
        const lag = await consumerLag(bus, c.stream, c.durable);
        if (!lag || lag.pending > 0 || lag.ackPending > 0) return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 200, what: 'the pipeline consumers to have nothing pending or unacknowledged' },
  );
}
