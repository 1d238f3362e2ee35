import type { Metrics } from '@relay/observability';
import { Audience, decodeMessage, NoticeKind, parseSubject, type Referral, RelayType, type RelayMessageMap, type RelayTypeName } from '@relay/wire';
import type { OutboxEntry } from '@relay/cases';

/** What the dispatcher records about the messages it publishes. */
export interface DispatcherMetrics {
  /** A message of a case's outbox was stored by JetStream; `message` is its decoded form when at hand. */
  published(entry: OutboxEntry, now: number, message?: RelayMessageMap[RelayTypeName]): void;
  /** Open and held cases, and deadlines pending. */
  setBacklog(openCases: number, pendingDeadlines: number): void;
  /** A stored directory revision was refused (invalid, unsigned, wrongly signed or tampered). */
  directoryRefused(): void;
}

/**
 * The dispatcher's metrics for the operations dashboard:
 * `relay_dispatcher_emitted_total{type}`, `relay_routing_latency_seconds`
 * (report accepted by the gateway -> its first referral stored),
 * `relay_missed_deadlines_total{country}` (one per escalation, counted on the
 * police notice every escalation has), `relay_open_cases` and
 * `relay_dispatcher_pending_deadlines`, `relay_directory_refused_total`.
 */
export function dispatcherMetrics(metrics: Metrics): DispatcherMetrics {
  const emitted = metrics.counter('relay_dispatcher_emitted_total', 'Messages published by the dispatcher', ['type']);
  const latency = metrics.histogram(
    'relay_routing_latency_seconds',
    'From a report accepted by the gateway to its referral stored',
    [],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );
  const missed = metrics.counter('relay_missed_deadlines_total', 'Removal deadlines that passed without removal', ['country']);
  const open = metrics.gauge('relay_open_cases', 'Open and held cases (rechecked on schedule)');
  const deadlines = metrics.gauge('relay_dispatcher_pending_deadlines', 'Removal deadlines not yet met or escalated');
  const refused = metrics.counter('relay_directory_refused_total', 'Stored directory revisions refused (invalid or not signed by the pinned key)', []);
  return {
    directoryRefused: () => refused.inc({}),
    published: (entry, now, message) => {
      emitted.inc({ type: entry.type });
      if (entry.type === RelayType.Referral) {
        const referral = (message as Referral | undefined) ?? decodeMessage(RelayType.Referral, Buffer.from(entry.data, 'base64'));
        const cause = referral.hosting?.cause?.cause;
        // Relocations are caused by rechecks: only a report's first routing is a routing latency.
        if (cause?.$case === 'report' && cause.value.receivedAt) latency.observe(Math.max(0, now - cause.value.receivedAt.getTime()) / 1000);
      } else if (entry.type === RelayType.Notice) {
        const s = parseSubject(entry.subject);
        if (s.kind === 'notice' && s.noticeKind === NoticeKind.NOTICE_KIND_DEADLINE_ESCALATION && s.audience === Audience.AUDIENCE_POLICE) {
          missed.inc({ country: s.country });
        }
      }
    },
    setBacklog: (openCases, pending) => {
      open.set(openCases);
      deadlines.set(pending);
    },
  };
}

/**
 * `relay_retention_waiting_messages{consumer}`: referrals, notices and
 * statuses past the retention period that stay because that consumer has not
 * acknowledged them (decision 0106); 0 once it has.
 */
export function retentionMetrics(metrics: Metrics): { readonly waiting: (consumer: string, messages: number) => void } {
  const waiting = metrics.gauge('relay_retention_waiting_messages', 'Messages past the retention period kept until this consumer acknowledges them', ['consumer']);
  return { waiting: (consumer, messages) => waiting.set({ consumer }, messages) };
}
