import type { Bus } from '@relay/bus';
import type { ServiceProcess } from '@relay/testkit';
import type { BenchKeys } from './keys.js';

/** The raw JetStream limits of this machine, measured at the start of the same run. */
export interface Baseline {
  /** Message size used, bytes. */
  readonly messageBytes: number;
  /** Async publish with msgID, window 256, file storage, one server. */
  readonly publishPerSec: number;
  /** Durable pull consumer, batch 500, ack each. */
  readonly consumePerSec: number;
  /** Publish and pull-consume at once (the previous two together): messages/s through one persisted hop. */
  readonly singleHopPerSec: number;
  /** Single-hop publish -> consume latency at fixed rates, ms. */
  readonly latency: Readonly<Record<string, LatencyFigures>>;
}

/** Percentiles of a latency sample, ms. */
export interface LatencyFigures {
  readonly ratePerSec: number;
  readonly samples: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
}

/** What a suite gets from the harness. */
export interface BenchContext {
  /** This suite's own nats-server, empty when the suite starts (never the machine's shared one). */
  readonly natsUrl: string;
  /** Its process id, for its CPU time. */
  readonly natsServerPid: number;
  /** A connection to it with the relay topology ensured and the signed dev directory stored; it signs nothing. */
  readonly bus: Bus;
  /** The run's signing keys and pinned directory key (services and publishers sign, decision 0111). */
  readonly keys: BenchKeys;
  /** A connection to the suite's server signing what it publishes as `user` (`locator`, `dispatcher`...); closed after the suite. */
  connectAs(user: string): Promise<Bus>;
  /** Smaller sample sizes (a smoke run). */
  readonly quick: boolean;
  /** `--soak-minutes`: the soak's length (default 30, or 3 with `--quick`). */
  readonly soakMinutes?: number;
  /** `--soak-follow`: run `relay audit --repair --follow` beside the soak, a round this often (`5m`). */
  readonly soakFollowEvery?: string;
  readonly baseline: Baseline;
  /** Progress for humans, on stderr. */
  log(line: string): void;
  /**
   * Spawns `services/<name>/dist/main.js` against the suite's server, as production runs it: it
   * signs with its own key, the locator and dispatcher pin the run's directory key, and a
   * `RELAY_DIRECTORY_FILE` in `env` is given to it signed (see BenchKeys.serviceEnv). Stopped after the suite.
   */
  startService(name: string, env?: Readonly<Record<string, string>>): Promise<ServiceProcess>;
}

/** One measured figure. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The baseline figure it compares with, and the ratio value/baseline. */
  readonly vsBaseline?: { readonly name: string; readonly value: number; readonly ratio: number };
  /** The target from the issue, in words, and whether this run met it. */
  readonly target?: string;
  readonly met?: boolean;
}

/** A benchmark suite: `test/bench/suites/<name>.ts` exports `suite`. */
export interface BenchSuite {
  readonly name: string;
  /** Runs only when named with `--only` (the soak: half an hour). */
  readonly optIn?: boolean;
  /**
   * DLQ error codes this suite's load produces by design (the soak's hotlines report on a case
   * while it relocates: `status-wrong-referral`); any other DLQ entry fails the suite.
   */
  readonly expectedDlqCodes?: readonly string[];
  run(ctx: BenchContext): Promise<Figure[]>;
}

/** The median of `values` (the mean of the two middle ones for an even count; NaN for none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Percentiles of a sample of ms values. */
export function percentiles(samplesMs: number[], ratePerSec: number): LatencyFigures {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number): number => (s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN));
  return { ratePerSec, samples: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999) };
}

/** A figure compared with a baseline figure. */
export function versus(name: string, value: number, unit: string, baselineName: string, baselineValue: number): Figure {
  return { name, value, unit, vsBaseline: { name: baselineName, value: baselineValue, ratio: value / baselineValue } };
}
