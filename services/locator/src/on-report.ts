import { type Bus, type Consumed, PoisonMessageError } from '@relay/bus';
import type { HostingObservation, Report } from '@relay/wire';
import { type Emitted, emitObservation } from './emit.js';
import { distinctUrls, reportSummary, withCause } from './observation.js';

/** What the consumer handlers need: the bus, the pure locate step and a way to count. */
export interface HandlerDeps {
  readonly bus: Bus;
  /** `locate` from libs/geo with the resolver, data and clock plugged in. */
  readonly locate: (url: string) => Promise<HostingObservation>;
  /** Told about every observation published (metrics, logs). */
  readonly observed?: (observation: HostingObservation, emitted: Emitted) => void;
  /** URLs of one report located at once. Default 16. */
  readonly urlConcurrency?: number;
}

/** Runs `fn` over `items` with at most `limit` calls pending. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The REPORTS handler: one observation per distinct URL of the report, each
 * with the id derived from its URL and the report id, so a redelivery or a
 * replay publishes the same msgIds and JetStream drops them. DNS failures are
 * observations too (UNRESOLVED); only a failed publish fails the message
 * (retryable: the runner redelivers it).
 */
export function onReport(deps: HandlerDeps): (consumed: Consumed<Report>) => Promise<void> {
  return async ({ message: report, origin, traceparent, seq }) => {
    if (report.id === '') throw new PoisonMessageError('report-invalid', 'report has no id');
    const cause = { cause: { $case: 'report' as const, value: reportSummary(report, seq) } };
    const context = { origin: origin ?? report.source, traceparent };
    await forEachLimited(distinctUrls(report.urls), deps.urlConcurrency ?? 16, async (url) => {
      const observation = withCause(await deps.locate(url), report.id, cause);
      const emitted = await emitObservation(deps.bus, observation, context);
      deps.observed?.(observation, emitted);
    });
  };
}
