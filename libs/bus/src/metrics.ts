/**
 * What libs/bus reports for metrics. libs/observability implements it with
 * Prometheus counters and histograms; tests may pass their own.
 */
export interface BusMetrics {
  /** A publish finished: stored, recognised as a duplicate, or failed after retries. */
  published(subject: string, outcome: PublishOutcome, seconds: number): void;
  /** A consumed message was handled: acked, retried later, or sent to the DLQ. */
  handled(consumer: string, outcome: HandleOutcome, seconds: number): void;
}

/** Outcome of a publish. */
export type PublishOutcome = 'stored' | 'duplicate' | 'failed';

/** Outcome of handling one consumed message. */
export type HandleOutcome = 'ack' | 'retry' | 'dlq';

/** Metrics that go nowhere. */
export const noMetrics: BusMetrics = {
  published: () => undefined,
  handled: () => undefined,
};
