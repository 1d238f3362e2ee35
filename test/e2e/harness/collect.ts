import type { Deliveries } from '@relay/client';
import { waitFor } from '@relay/testkit';

/** One message a tenant received. */
export interface Received<T> {
  readonly subject: string;
  readonly message: T;
  /** Its headers (signer, origin; `Relay-Replay-Of-*` on a copy an operator re-addressed). */
  readonly headers: Readonly<Record<string, string>>;
  readonly deliveryCount: number;
}

/** Everything a tenant consumer delivered so far, acked as it arrives. */
export interface Inbox<T> {
  readonly received: readonly Received<T>[];
  /** Waits until a message matching `match` arrived and returns it. */
  next(match: (r: Received<T>) => boolean, what: string, timeoutMs?: number): Promise<Received<T>>;
  close(): Promise<void>;
}

/**
 * Reads a tenant's deliveries in the background, as a hotline or police
 * system would, acking each after recording it.
 */
export function inbox<T>(deliveries: Deliveries<T>): Inbox<T> {
  const received: Received<T>[] = [];
  const reading = (async () => {
    for await (const d of deliveries) {
      received.push({ subject: d.subject, message: d.message, headers: d.headers, deliveryCount: d.deliveryCount });
      await d.ack();
    }
  })();
  return {
    received,
    next: (match, what, timeoutMs = 30_000) => waitFor(() => received.find(match), { timeoutMs, intervalMs: 20, what }),
    close: async () => {
      await deliveries.close();
      await reading.catch(() => undefined);
    },
  };
}
