import { setTimeout as sleep } from 'node:timers/promises';
import { type Bus, openJsonBucket } from '@relay/bus';
import { KvBucket } from '@relay/wire';
import { type CaseView, caseViewSchema } from './cases.js';
import type { RouteEnd } from './plan.js';

/** How often {@link DecisionTracker.settle} looks at what the watch has seen, ms. */
const LOOK_EVERY_MS = 100;

/** Follows the case bucket for the decisions reroute asked for. */
export interface DecisionTracker {
  /** Waits for `caseId` to be routed to `to`; call it before asking, so no decision goes unseen. */
  expect(caseId: string, to: RouteEnd): void;
  /** Notes a case as read now: it may already be routed as expected (a concurrent reroute). */
  seen(caseId: string, c: CaseView | undefined): void;
  /** The new referral id of each expected case routed as expected so far. */
  readonly decided: ReadonlyMap<string, string>;
  /**
   * Resolves once every expected case is decided, or when none was decided
   * for `idleMs`; `progress` is told how many are decided.
   * @throws the watch's error (a case value that is not JSON).
   */
  settle(idleMs: number, progress: (decided: number) => void): Promise<void>;
  stop(): void;
}

/**
 * Starts watching the case bucket for changes (one watch, whatever the number
 * of cases asked), so waiting for a million decisions never polls a million
 * keys. Only the changes of expected cases are parsed past JSON.
 */
export async function trackDecisions(bus: Bus): Promise<DecisionTracker> {
  const changes = await (await openJsonBucket<unknown>(bus, KvBucket.Cases)).watch({ newOnly: true });
  const expected = new Map<string, RouteEnd>();
  const decided = new Map<string, string>();
  const seen = (caseId: string, c: CaseView | undefined): void => {
    const to = expected.get(caseId);
    if (!to || !c?.routing || decided.has(caseId)) return;
    if (c.routing.hotline === to.hotline && c.routing.jurisdiction === to.jurisdiction) decided.set(caseId, c.routing.referralId);
  };
  let failed: { readonly err: unknown } | undefined;
  void (async () => {
    for await (const { key, value } of changes) {
      if (value === undefined || !expected.has(key) || decided.has(key)) continue;
      const parsed = caseViewSchema.safeParse(value);
      if (parsed.success) seen(key, parsed.data);
    }
  })().catch((err: unknown) => {
    failed = { err };
  });
  return {
    expect: (caseId, to) => {
      expected.set(caseId, to);
    },
    seen,
    decided,
    settle: async (idleMs, progress) => {
      let count = decided.size;
      let deadline = Date.now() + idleMs;
      while (decided.size < expected.size && failed === undefined && Date.now() < deadline) {
        await sleep(Math.min(LOOK_EVERY_MS, Math.max(1, deadline - Date.now())));
        if (decided.size > count) {
          count = decided.size;
          deadline = Date.now() + idleMs;
          progress(count);
        }
      }
      if (failed) throw failed.err;
    },
    stop: () => changes.stop(),
  };
}
