import { setTimeout as sleep } from 'node:timers/promises';
import { type Bus, watchLeaderElections } from '@relay/bus';
import type { CliContext } from '../context.js';
import type { AuditedOptions } from '../operator/audit.js';
import { printTable } from '../output.js';
import type { Reconciliation } from '../reconcile/check.js';
import { reconcile } from '../reconcile/reconcile.js';
import { confirmGaps } from './audit-follow-confirm.js';
import { printRepair, repairGaps, type RepairSummary } from './audit-repair.js';

/** How `relay audit --follow` runs. */
export interface FollowOptions {
  /** Each round audits the reports stored this long before it, ms. */
  readonly windowMs: number;
  /** A round at least this often, ms, whether or not a leader was elected. */
  readonly everyMs: number;
  /** The longest a round may run (its reads, the wait for replicas, the second read, the repair and its wait) before its connection is closed under it, ms. */
  readonly roundTimeoutMs: number;
  /** The reconciliation's settle time, ms (`--settle`). */
  readonly settleMs: number;
  /** Re-drive what a round finds lost (`--repair`), with the audit record's reason. */
  readonly repair?: AuditedOptions;
  /** With `repair`: how long each round waits for what it re-drove, ms (`--wait`). */
  readonly waitMs: number;
  /** Stop after this many rounds; run until `stop` when undefined. */
  readonly rounds?: number;
  readonly json: boolean;
  /** Called with each finished round (the metrics of `--follow`). */
  readonly onRound?: (round: FollowRound) => void;
}

/** One round: why it ran, what it found, what it repaired. */
export interface FollowRound {
  readonly at: Date;
  /** `start`, `every <n>s`, `leader elected: <streams>` (or a reconnect), or `retry after: <trigger>` of a failed round. */
  readonly trigger: string;
  readonly since: Date;
  readonly result?: Reconciliation;
  readonly repair?: RepairSummary;
  /** Why the round failed (a cut-off node's timeouts, say); it is tried again after {@link RETRY_MS}. */
  readonly error?: string;
  /** How long the round took, ms: its reads, the wait for replicas and the second read when it found something, and the repair's wait. */
  readonly tookMs: number;
}

/**
 * How long after a leader election the round runs: the other streams cut off
 * with the same node elect within a few seconds, and the new leaders should
 * answer before the audit reads them.
 */
export const AFTER_ELECTION_MS = 10_000;
/** How long after a failed round it is tried again. */
const RETRY_MS = 10_000;
/**
 * How much of REFERRALS and NOTICES before its window a round reads (decision
 * 0160): a decision of a case, or an outbox entry, issued earlier than that is
 * taken as checked (earlier rounds overlapped it), so a round reads about its
 * window of those streams, not a day or their whole retention. Twice the clock
 * skew the relay allows between its services: the margin keeps a decision made
 * just before the window, for a URL reported again within it, in what is read.
 */
export const MESSAGES_BEFORE_WINDOW_MS = 10 * 60 * 1000;

/**
 * Audits the last `windowMs` of reports at start, `AFTER_ELECTION_MS` after
 * any stream's leader election (or a reconnect of its own, which may have
 * hidden one), and at least every `everyMs`; with `repair`,
 * re-drives what each round finds lost (decision 0155, on 0154). nats-server
 * 2.9.10 can lose an acknowledged write when a leader is cut off
 * (docs/operations.md): the round after the election finds and repairs it
 * before the case's next write drops the outbox entry a repair needs.
 * Prints one line (or JSON document) per round and returns the last round
 * when `rounds` are done or `stop` fires.
 */
export async function followAudits(bus: Bus, openBus: () => Promise<Bus>, ctx: CliContext, options: FollowOptions, stop: AbortSignal): Promise<FollowRound | undefined> {
  const elected = new Set<string>();
  let electionAt = Number.POSITIVE_INFINITY;
  let plannedAt = performance.now();
  let planned = 'start';
  let wake: (() => void) | undefined;
  const soon = (why: string): void => {
    elected.add(why);
    electionAt = Math.min(electionAt, performance.now() + AFTER_ELECTION_MS);
    wake?.();
  };
  // A reconnect may have hidden an election (advisories are not stored): audit as after one.
  const watching = watchLeaderElections(bus, { elected: (e) => soon(e.stream), reconnected: () => soon('(reconnected: elections may have been missed)') });
  const dueAt = (): number => Math.min(plannedAt, electionAt);
  let last: FollowRound | undefined;
  let done = 0;
  try {
    while (!stop.aborted && (options.rounds === undefined || done < options.rounds)) {
      // An election wakes the wait early and sets an earlier time: wait again for that.
      while (!stop.aborted && performance.now() < dueAt()) await until(dueAt(), stop, (w) => (wake = w));
      if (stop.aborted) break;
      const trigger = elected.size > 0 ? `leader elected: ${[...elected].sort().join(', ')}` : planned;
      elected.clear();
      electionAt = Number.POSITIVE_INFINITY;
      const began = performance.now();
      last = { ...(await round(openBus, ctx, options, trigger, stop)), tookMs: Math.round(performance.now() - began) };
      printRound(ctx, last, options.json);
      options.onRound?.(last);
      done += 1;
      const failed = last.error !== undefined;
      plannedAt = performance.now() + (failed ? RETRY_MS : options.everyMs);
      planned = failed ? `retry after: ${last.trigger}` : `every ${Math.round(options.everyMs / 1000)}s`;
    }
  } finally {
    await watching.stop();
  }
  return last;
}

/** Resolves at `dueAt` (performance.now() time), or earlier when woken or stopped. */
async function until(dueAt: number, stop: AbortSignal, setWake: (wake: () => void) => void): Promise<void> {
  const ac = new AbortController();
  const onStop = (): void => ac.abort();
  stop.addEventListener('abort', onStop, { once: true });
  setWake(() => ac.abort());
  try {
    const wait = dueAt - performance.now();
    if (wait > 0) await sleep(wait, undefined, { signal: ac.signal }).catch(() => undefined);
  } finally {
    stop.removeEventListener('abort', onStop);
  }
}

/**
 * One round on a connection of its own, closed when the round ends, when it
 * runs past `roundTimeoutMs` (a read can wait for good on a consumer a
 * leader change took away), or when the follow is stopped: whatever it was
 * waiting for then fails, and the round with it.
 */
async function round(openBus: () => Promise<Bus>, ctx: CliContext, options: FollowOptions, trigger: string, stop: AbortSignal): Promise<Omit<FollowRound, 'tookMs'>> {
  const at = new Date();
  const since = new Date(at.getTime() - options.windowMs);
  const scope = { since, settleMs: options.settleMs, messagesSince: new Date(since.getTime() - MESSAGES_BEFORE_WINDOW_MS) };
  let bus: Bus | undefined;
  let closing: Promise<void> | undefined;
  // Once: a second close would fail while the first drains. Before the connection is made, nothing to close.
  const close = (): Promise<void> => (bus === undefined ? Promise.resolve() : (closing ??= bus.close().catch(() => undefined)));
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    void close();
  }, options.roundTimeoutMs);
  const onStop = (): void => void close();
  stop.addEventListener('abort', onStop, { once: true });
  try {
    bus = await openBus();
    if (stop.aborted || timedOut) throw new Error('stopped before the round began');
    const found = await reconcile(bus, scope);
    if (options.repair === undefined) return { at, trigger, since, result: found };
    // Re-drive only what a second read, once every replica is current, finds missing too.
    const confirmed = await confirmGaps(bus, found, scope, stop);
    const { after, summary } = await repairGaps(bus, ctx, options.repair, confirmed.toRepair, scope, options.waitMs);
    return { at, trigger, since, result: summary.asked === 0 ? confirmed.result : after, repair: { ...summary, dismissed: confirmed.dismissed } };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { at, trigger, since, error: timedOut ? `took longer than ${options.roundTimeoutMs / 1000}s (--round-timeout) and was cut off (${message})` : message };
  } finally {
    clearTimeout(deadline);
    stop.removeEventListener('abort', onStop);
    await close();
  }
}

function printRound(ctx: CliContext, r: FollowRound, json: boolean): void {
  if (json) {
    const result = r.result && { reports: r.result.reports, urls: r.result.urls, inFlight: r.result.accounted.pending, rechecked: r.result.rechecked, lost: r.result.lost, duplicated: r.result.duplicated, gaps: r.result.gaps, duplicates: r.result.duplicates };
    ctx.out(`${JSON.stringify({ at: r.at.toISOString(), trigger: r.trigger, since: r.since.toISOString(), tookMs: r.tookMs, ...result, ...(r.repair ? { repair: r.repair } : {}), ...(r.error ? { error: r.error } : {}) })}\n`);
    return;
  }
  const head = `${r.at.toISOString()} audit (${r.trigger}) of reports since ${r.since.toISOString()}: `;
  if (r.result === undefined) {
    ctx.out(`${head}failed after ${seconds(r.tookMs)}: ${r.error ?? 'unknown error'}; trying again in ${RETRY_MS / 1000}s\n`);
    return;
  }
  ctx.out(`${head}${r.result.reports} reports and ${r.result.rechecked.cases} rechecked cases, ${r.result.accounted.pending + r.result.rechecked.pending} in flight, ${r.result.lost} lost, ${r.result.duplicated} duplicated (took ${seconds(r.tookMs)})\n`);
  if (r.repair && (r.repair.asked > 0 || Object.keys(r.repair.dismissed ?? {}).length > 0)) printRepair(ctx, r.repair);
  if (r.result.gaps.length > 0) printTable(ctx, ['report', 'url', 'missing', 'detail'], r.result.gaps.map((g) => [g.reportId, g.url, g.missing, g.detail]));
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
