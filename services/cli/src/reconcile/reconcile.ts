import type { Bus } from '@relay/bus';
import { checkLedger, type Reconciliation } from './check.js';
import { type LedgerScope, readLedger } from './read.js';

/** What to reconcile. */
export interface ReconcileOptions extends LedgerScope {
  /** Report ids a sender holds a receipt for (every 202): each must be in REPORTS. */
  readonly receipts?: Iterable<string>;
}

/**
 * Accounts for every report in REPORTS (from `since`): by observations in
 * HOSTING (one per distinct URL), a case in KV `relay-cases` and its referral
 * and notices, or a held case, an UNRESOLVED observation, or a DLQ entry; and
 * counts referrals and notices issued twice. `relay audit` prints it; the
 * fault suite asserts on it. Reads only.
 */
export async function reconcile(bus: Bus, options: ReconcileOptions = {}): Promise<Reconciliation> {
  return checkLedger(await readLedger(bus, options), options.receipts);
}
