// What the console bench checks of the feeds: how late each event came, and whether a feed
// that reconnected with Last-Event-ID missed or repeated anything the tenant may read.
import type { ConsoleRead } from '@relay/accounts';
import { type Bus, readStream } from '@relay/bus';
import type { Figure } from '../harness.js';
import type { Arrival } from './live-feed.js';

/** Latency figures of a sample, ms: p50, p99, max, and the share within `limitMs`. */
export interface Lateness {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Per cent of the sample within the limit. */
  readonly withinPercent: number;
}

/** p50, p99, max and the share within `limitMs` of `samplesMs`. */
export function latenessOf(samplesMs: readonly number[], limitMs: number): Lateness {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number): number => (s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN));
  const within = s.filter((v) => v <= limitMs).length;
  return { samples: s.length, p50: at(0.5), p99: at(0.99), max: s.at(-1) ?? Number.NaN, withinPercent: s.length === 0 ? Number.NaN : (within / s.length) * 100 };
}

/** The figures of one sample: count, p50, p99, max; `limit` adds the share within it and whether the max met it. */
export function latenessFigures(label: string, l: Lateness, limit?: { ms: number; words: string }): Figure[] {
  const rows: Figure[] = [
    { name: `${label}: events`, value: l.samples, unit: '' },
    { name: `${label}: p50`, value: l.p50, unit: 'ms' },
    { name: `${label}: p99`, value: l.p99, unit: 'ms' },
  ];
  if (limit === undefined) return [...rows, { name: `${label}: max`, value: l.max, unit: 'ms' }];
  return [
    ...rows,
    { name: `${label}: max`, value: l.max, unit: 'ms', target: limit.words, met: l.max <= limit.ms },
    { name: `${label}: share within ${limit.ms / 1000} s`, value: l.withinPercent, unit: '%' },
  ];
}

/** What a feed got, compared with what the tenant's reads hold. */
export interface Completeness {
  /** Messages the tenant may read that the feed never delivered. */
  readonly missing: number;
  /** Messages the feed delivered more than once. */
  readonly duplicates: number;
  /** Messages the feed delivered that are not among the tenant's reads. */
  readonly foreign: number;
  /** Messages the tenant's reads hold. */
  readonly expected: number;
}

/**
 * Compares `arrivals` with every message of `reads` (read through `bus`, which may read them
 * all): each must have come exactly once, and nothing else.
 */
export async function completenessOf(bus: Bus, reads: readonly ConsoleRead[], arrivals: readonly Arrival[]): Promise<Completeness> {
  const expected = new Set<string>();
  for (const read of reads) {
    for await (const m of readStream(bus, { stream: read.stream, filterSubject: read.filter })) expected.add(`${m.stream}:${m.seq}`);
  }
  const seen = new Map<string, number>();
  for (const a of arrivals) seen.set(`${a.stream}:${a.seq}`, (seen.get(`${a.stream}:${a.seq}`) ?? 0) + 1);
  let duplicates = 0;
  let foreign = 0;
  for (const [key, n] of seen) {
    duplicates += n - 1;
    if (!expected.has(key)) foreign++;
  }
  const missing = [...expected].filter((key) => !seen.has(key)).length;
  return { missing, duplicates, foreign, expected: expected.size };
}
