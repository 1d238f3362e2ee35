import type { BusMetrics } from '@relay/bus';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A service's Prometheus registry and the bus metrics recorded into it. */
export interface Metrics {
  readonly registry: Registry;
  /** Pass to `connectBus` so every publish and handled message is counted. */
  readonly bus: BusMetrics;
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  histogram<L extends string>(name: string, help: string, labelNames?: readonly L[], buckets?: number[]): Histogram<L>;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * A fresh registry (never the global one, so tests and several services in one
 * process do not collide) with Node's default metrics and the bus metrics:
 * `relay_published_total`, `relay_publish_seconds`, `relay_handled_total`,
 * `relay_handle_seconds`, labelled with the service.
 */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const make = {
    counter: <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers: [registry] }),
    gauge: <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Gauge<L>({ name, help, labelNames, registers: [registry] }),
    histogram: <L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets = LATENCY_BUCKETS) =>
      new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] }),
  };
  const published = make.counter('relay_published_total', 'Messages published to JetStream', ['root', 'outcome']);
  const publishSeconds = make.histogram('relay_publish_seconds', 'Time to a JetStream publish ack', ['root']);
  const handled = make.counter('relay_handled_total', 'Consumed messages by outcome', ['consumer', 'outcome']);
  const handleSeconds = make.histogram('relay_handle_seconds', 'Time to handle a consumed message', ['consumer']);
  // Label by subject root (relay.referral), not the full subject: bounded cardinality.
  const root = (subject: string): string => subject.split('.').slice(0, 2).join('.');
  return {
    registry,
    ...make,
    bus: {
      published: (subject, outcome, seconds) => {
        published.inc({ root: root(subject), outcome });
        publishSeconds.observe({ root: root(subject) }, seconds);
      },
      handled: (consumer, outcome, seconds) => {
        handled.inc({ consumer, outcome });
        handleSeconds.observe({ consumer }, seconds);
      },
    },
  };
}
