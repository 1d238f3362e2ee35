import { waitFor } from '@relay/testkit';
import { cyberTiplineXml, postReport } from '../e2e/harness/intake.js';
import { DEMO_KEYS } from '../e2e/harness/pipeline.js';

/** A steady stream of reports over HTTP, as NCMEC's CyberTipline would send them. */
export interface Load {
  /** Report id of every 202 receipt so far. */
  readonly receipts: ReadonlySet<string>;
  /** Attempts that got no receipt (connection refused or reset, 503 while NATS was away); each was retried. */
  failedAttempts(): number;
  /** Of those, the attempts the gateway shed (503 `overloaded`, 429): refused by design, not by a fault. */
  shedAttempts(): number;
  /** Resolves once `n` reports are accepted. */
  accepted(n: number): Promise<void>;
  /** Resolves when every report of the load is accepted. */
  readonly done: Promise<void>;
}

/** A steady load whose sender can resend what an audit says was lost, as a real sender would. */
export interface SteadyLoad extends Load {
  /** The REPORTS sequence each receipt named, by report id (what a lost report's diagnosis reads). */
  readonly receiptSeqs: ReadonlyMap<string, number>;
  /** Sends these reports again (by the report ids of their receipts), each until a 202. */
  resend(reportIds: readonly string[]): Promise<void>;
}

/** Settings of {@link startLoad}. */
export interface LoadOptions {
  /** Unique per phase: report ids and URL paths are made from it. */
  readonly prefix: string;
  /** Reports to send. */
  readonly count: number;
  /** Reports started per second. */
  readonly perSecond: number;
  /** The gateway to send to now (it moves when a gateway is restarted on a new port). */
  readonly gatewayUrl: () => string;
  /** Give up on a report after this long without a receipt, ms. Default 120 s. */
  readonly giveUpAfterMs?: number;
}

/** The URL of report `i` of a phase: one Dutch-hosted URL per report, so one case each. */
export function loadUrl(prefix: string, i: number): string {
  return `http://images.example.nl/${prefix}/${i}`;
}

/**
 * Sends `count` reports at `perSecond`, each until it gets its 202: a
 * resubmission of the same CyberTipline report id is idempotent at the
 * gateway, which is what a real sender does after a failure, after the
 * answer's Retry-After (with jitter, so retries do not come back in step).
 */
export function startLoad(options: LoadOptions): SteadyLoad {
  const receipts = new Set<string>();
  const receiptSeqs = new Map<string, number>();
  /** Which report of the load each receipt is for. */
  const indexOf = new Map<string, number>();
  let failed = 0;
  let shed = 0;
  const giveUpAfter = options.giveUpAfterMs ?? 120_000;
  const send = async (i: number): Promise<void> => {
    const body = cyberTiplineXml(`${options.prefix}-${i}`, [loadUrl(options.prefix, i)]);
    const started = Date.now();
    for (;;) {
      const r = await postReport(options.gatewayUrl(), DEMO_KEYS.ncmec, body, 'application/xml').catch((err: unknown) => ({ ok: false as const, status: 0, body: String(err) }));
      if (r.ok) {
        receipts.add(r.receipt.reportId);
        receiptSeqs.set(r.receipt.reportId, r.receipt.seq);
        indexOf.set(r.receipt.reportId, i);
        return;
      }
      const wasShed = r.status === 429 || (r.status === 503 && r.body.includes('"overloaded"'));
      // A refusal other than "unavailable" or shedding is a bug in the load, not a fault to ride out.
      if (r.status !== 0 && r.status < 500 && !wasShed) throw new Error(`report ${options.prefix}-${i} refused with ${r.status}: ${r.body}`);
      failed++;
      if (wasShed) shed++;
      if (Date.now() - started > giveUpAfter) throw new Error(`report ${options.prefix}-${i} got no receipt for ${giveUpAfter} ms: ${r.body}`);
      // As a well-behaved sender: after the gateway's Retry-After (shed or unavailable), else soon.
      const retryAfterMs = 'retryAfterSeconds' in r && r.retryAfterSeconds !== undefined ? r.retryAfterSeconds * 1000 : 100;
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs * (0.5 + Math.random())));
    }
  };
  const done = (async () => {
    const sending: Promise<void>[] = [];
    const startedAt = Date.now();
    for (let i = 0; i < options.count; i++) {
      // Pace by the schedule, not by the answers: a fault must not slow the offered load.
      const due = startedAt + (i * 1000) / options.perSecond;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sending.push(send(i));
    }
    await Promise.all(sending);
  })();
  // Failures surface through `done` and `accepted`; never as an unhandled rejection.
  done.catch(() => undefined);
  return {
    receipts,
    receiptSeqs,
    resend: async (reportIds) => {
      await Promise.all(reportIds.flatMap((id) => {
        const i = indexOf.get(id);
        return i === undefined ? [] : [send(i)];
      }));
    },
    failedAttempts: () => failed,
    shedAttempts: () => shed,
    accepted: (n) =>
      Promise.race([
        waitFor(() => receipts.size >= n, { timeoutMs: 300_000, intervalMs: 20, what: `${n} receipts` }).then(() => undefined),
        done.then(() => {
          if (receipts.size < n) throw new Error(`the load ended with ${receipts.size} of ${n} receipts`);
        }),
      ]),
    done,
  };
}
