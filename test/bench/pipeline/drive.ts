// Sending reports into the pipeline the way a hotline does (libs/client's
// submitReport over `relay.intake.submit`) and timing what comes out.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus } from '@relay/bus';
import { isSubmitRefusedError, submitReport } from '@relay/client';
import { paced } from '../baseline.js';
import { type LatencyFigures, percentiles } from '../harness.js';
import type { ReferralSink } from './referral-sink.js';
import type { BenchReport } from './reports.js';

/** The demo key of source `eokm` (deploy/dev/sources.json, listed in the README). */
export const EOKM_KEY = 'demo-eokm-237e4e35b7044668047a8c1f097f320e';

/** One submitted report: when it was sent and accepted, and the relay's id for it. */
export interface Sent {
  readonly reportId: string;
  readonly urls: number;
  readonly sentAt: number;
  readonly acceptedAt: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/** What the gateway's `Retry-After` says when it sheds (503 `overloaded`). */
const RETRY_AFTER_MS = 1_000;

/**
 * Submits one report as a hotline does: a shed (429, 503) is resent after
 * `Retry-After`, the same report, which the gateway stores once. Latency
 * counts from the first attempt.
 */
async function submit(bus: Bus, report: BenchReport): Promise<Sent> {
  const sentAt = now();
  for (;;) {
    try {
      const receipt = await submitReport(bus, EOKM_KEY, report.body);
      return { reportId: receipt.reportId, urls: report.urls, sentAt, acceptedAt: now() };
    } catch (err) {
      if (!isSubmitRefusedError(err) || !err.retryable) throw err;
      await sleep(RETRY_AFTER_MS);
    }
  }
}

/** Submits reports `from`..`from+count-1` with `window` requests in flight (saturation). */
export async function submitWindowed(bus: Bus, make: (i: number) => BenchReport, from: number, count: number, window: number): Promise<Sent[]> {
  const sent: Sent[] = [];
  let next = from;
  await Promise.all(
    Array.from({ length: window }, async () => {
      for (let i = next++; i < from + count; i = next++) sent.push(await submit(bus, make(i)));
    }),
  );
  return sent;
}

/** Submits `count` reports at `rate` per second. */
export async function submitPaced(bus: Bus, make: (i: number) => BenchReport, from: number, count: number, rate: number): Promise<Sent[]> {
  const sent: Sent[] = [];
  await paced(rate, count, async (i) => sent.push(await submit(bus, make(from + i))));
  return sent;
}

/** Referrals the sent reports must yield: one per URL (every URL is new, every bench host routable). */
export const referralsOf = (sent: readonly Sent[]): number => sent.reduce((n, s) => n + s.urls, 0);

/** Submission -> referral delivered, per referral, ms. */
export function endToEndLatency(sent: readonly Sent[], sink: ReferralSink, rate: number): LatencyFigures {
  return percentiles(
    sent.flatMap((s) => sink.deliveredFor(s.reportId).map((at) => at - s.sentAt)),
    rate,
  );
}
