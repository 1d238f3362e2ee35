import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus } from '@relay/bus';
import { checkLedger, GapKind, type Reconciliation } from './check.js';
import { type LedgerScope, readLaterMessages, readLedger } from './read.js';

/** What to reconcile. */
export interface ReconcileOptions extends LedgerScope {
  /** Report ids a sender holds a receipt for (every 202): each must be in REPORTS. */
  readonly receipts?: Iterable<string>;
  /**
   * How long a decision stored in a case may take to appear in REFERRALS or
   * NOTICES before its absence counts as a gap, ms. Default 5 s (a
   * dispatcher's publish with its retries under load).
   */
  readonly settleMs?: number;
}

/** Gaps a decision published after the streams were read would show (read.ts, `readLaterMessages`). */
const LATE: ReadonlySet<GapKind> = new Set([GapKind.Outbox, GapKind.Referral, GapKind.PoliceNotice, GapKind.MovedOutNotice]);
const POLL_MS = 250;

/**
 * Accounts for every report in REPORTS (from `since`): by observations in
 * HOSTING (one per distinct URL), a case in KV `relay-cases` and its referral
 * and notices, or a held case, an UNRESOLVED observation, or a DLQ entry; and
 * counts referrals and notices issued twice. `relay audit` prints it; the
 * fault suite asserts on it. Reads only, on a running relay too: where a
 * case shows a decision whose messages are not yet in the streams, it reads
 * the streams on for up to `settleMs` before calling it a gap.
 */
export async function reconcile(bus: Bus, options: ReconcileOptions = {}): Promise<Reconciliation> {
  let ledger = await readLedger(bus, options);
  let result = checkLedger(ledger, options.receipts);
  const until = performance.now() + (options.settleMs ?? 5_000);
  while (result.gaps.some((g) => LATE.has(g.missing)) && performance.now() < until) {
    await sleep(POLL_MS);
    ledger = await readLaterMessages(bus, ledger);
    result = checkLedger(ledger, options.receipts);
  }
  return result;
}
