import type { ServiceProcess } from '@relay/testkit';
import { cyberTiplineXml, postReport } from '../e2e/harness/intake.js';
import { DEMO_KEYS } from '../e2e/harness/pipeline.js';
import { type Load, loadUrl } from './load.js';

/** What a flood offered and what came of it. */
export interface Flood extends Load {
  /** Reports offered (each tried once). */
  offered(): number;
  /** Peak RSS of each watched process during the flood, bytes. */
  peakRss(): Readonly<Record<string, number>>;
  /** Attempts that were neither a 202 nor shed, by answer: the status, or `no answer` (reset, timeout). */
  failures(): Readonly<Record<string, number>>;
}

/** Settings of {@link startFlood}. */
export interface FloodOptions {
  readonly prefix: string;
  /** Reports offered per second: a multiple of what the pipeline can take. */
  readonly perSecond: number;
  readonly durationMs: number;
  readonly gatewayUrl: () => string;
  /** Processes whose RSS is sampled every 250 ms, by name. */
  readonly watch: Readonly<Record<string, ServiceProcess>>;
  /** Requests open at once on the sender's side, at most (the sender's own bound). Default 1,000. */
  readonly maxOpen?: number;
}

/**
 * Offers far more reports than the pipeline takes (issue 21, item 3), each
 * tried once, as a sender that is told to come back later would: a 202 is a
 * receipt to account for, a 503 `overloaded` or 429 is shed, anything else
 * (no answer, 503 `unavailable`) is counted as failed. A report whose turn
 * comes while `maxOpen` requests are open is not offered.
 */
export function startFlood(options: FloodOptions): Flood {
  const receipts = new Set<string>();
  let offered = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  let shed = 0;
  let open = 0;
  const peaks: Record<string, number> = {};
  const maxOpen = options.maxOpen ?? 1_000;
  const sample = (): void => {
    for (const [name, p] of Object.entries(options.watch)) {
      let rss = 0;
      try {
        rss = p.rssBytes();
      } catch {
        // The process is gone (it would show as a failed phase elsewhere); nothing to sample.
      }
      peaks[name] = Math.max(peaks[name] ?? 0, rss);
    }
  };
  const sampler = setInterval(sample, 250);
  const send = async (i: number): Promise<void> => {
    open++;
    try {
      const body = cyberTiplineXml(`${options.prefix}-${i}`, [loadUrl(options.prefix, i)]);
      const r = await postReport(options.gatewayUrl(), DEMO_KEYS.ncmec, body, 'application/xml').catch((err: unknown) => ({ ok: false as const, status: 0, body: String(err) }));
      if (r.ok) receipts.add(r.receipt.reportId);
      else if (r.status === 429 || (r.status === 503 && r.body.includes('"overloaded"'))) shed++;
      else {
        failed++;
        const kind = r.status === 0 ? 'no answer' : String(r.status);
        failures[kind] = (failures[kind] ?? 0) + 1;
      }
    } finally {
      open--;
    }
  };
  const done = (async () => {
    const sending: Promise<void>[] = [];
    const startedAt = Date.now();
    const total = Math.floor((options.perSecond * options.durationMs) / 1000);
    for (let i = 0; i < total; i++) {
      const due = startedAt + (i * 1000) / options.perSecond;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (open >= maxOpen) continue;
      offered++;
      sending.push(send(i));
    }
    await Promise.all(sending);
    sample();
    clearInterval(sampler);
  })();
  done.catch(() => clearInterval(sampler));
  return {
    receipts,
    failedAttempts: () => failed + shed,
    shedAttempts: () => shed,
    offered: () => offered,
    peakRss: () => ({ ...peaks }),
    failures: () => ({ ...failures }),
    // A flood tries each report once: it has all the receipts it will get when it is done.
    accepted: async (n) => {
      await done;
      if (receipts.size < n) throw new Error(`the flood ended with ${receipts.size} of ${n} receipts`);
    },
    done,
  };
}
