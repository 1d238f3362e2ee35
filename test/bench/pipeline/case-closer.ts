// The soak's hotlines closing their cases (issue 21): each referral's case is reported removed
// (ICCAM CR, signed by the hotline it went to) a fixed time after it arrived, so cases close at the
// rate they open, as on a real relay, and the open cases level off instead of growing all run.
import { type Bus, isRetryable } from '@relay/bus';
import { publishStatus } from '@relay/testing';
import { type Referral, StatusAction } from '@relay/wire';

/** The hotlines' side of the soak: closes each case `afterMs` after its referral arrived. */
export interface CaseCloser {
  /** Tells the closer a referral arrived (the referral sink calls this). */
  referred(referral: Referral, at: number): void;
  /** Cases referred and not closed since (a reopened case counts again). */
  open(): number;
  /** Removal statuses stored so far. */
  closed(): number;
  /** Hotlines that got referrals but have no relay user to report with (their cases stay open), and why. */
  mute(): ReadonlyMap<string, string>;
  /** Stops closing; resolves once the statuses in flight are stored. */
  stop(): Promise<void>;
}

interface Due {
  readonly referralId: string;
  readonly caseId: string;
  readonly hotline: string;
  readonly dueAt: number;
}

const TICK_MS = 250;

/**
 * Starts closing. A referral superseded by the time it is due (the case relocated) is not closed
 * by it: the relocation's referral is, later, as its new hotline would. `connectAs` connects signing as the given hotline.
 */
export function startCaseCloser(connectAs: (user: string) => Promise<Bus>, afterMs: number, perSecond: number): CaseCloser {
  const batch = Math.max(1, Math.round((perSecond * TICK_MS) / 1000));
  const queue: Due[] = [];
  /** Each case's latest referral, and whether a removal was stored for it. */
  const latest = new Map<string, { referralId: string; closed: boolean }>();
  let open = 0;
  const hotlines = new Map<string, Promise<Bus>>();
  const mute = new Map<string, string>();
  let closed = 0;
  let stopped = false;
  let running: Promise<void> | undefined;

  const close = async (d: Due): Promise<void> => {
    if (mute.has(d.hotline)) return;
    let connecting = hotlines.get(d.hotline);
    if (!connecting) hotlines.set(d.hotline, (connecting = connectAs(d.hotline)));
    let bus: Bus;
    try {
      bus = await connecting;
    } catch (err) {
      // A hotline the relay routes to without a user of its own (not confirmed): it cannot report, as in production.
      mute.set(d.hotline, err instanceof Error ? err.message : String(err));
      return;
    }
    const update = { id: `soak-close-${d.referralId}`, hotline: d.hotline, referralId: d.referralId, caseId: d.caseId, action: StatusAction.STATUS_ACTION_CR, occurredAt: new Date(), note: '' };
    try {
      await publishStatus(bus, update);
      closed++;
      const now = latest.get(d.caseId);
      if (now?.referralId === d.referralId && !now.closed) {
        now.closed = true;
        open--;
      }
    } catch (err) {
      if (!isRetryable(err)) throw err;
      queue.push(d);
    }
  };
  const tick = async (): Promise<void> => {
    const now = performance.timeOrigin + performance.now();
    const due: Due[] = [];
    while (due.length < batch && queue.length > 0 && (queue[0]?.dueAt ?? Infinity) <= now) {
      const d = queue.shift() as Due;
      if (latest.get(d.caseId)?.referralId === d.referralId) due.push(d);
    }
    await Promise.all(due.map(close));
  };
  let failure: Error | undefined;
  const timer = setInterval(() => {
    if (stopped || running) return;
    running = tick()
      .catch((err: unknown) => {
        failure ??= err instanceof Error ? err : new Error(String(err));
        stopped = true;
      })
      .finally(() => (running = undefined));
  }, TICK_MS);

  return {
    referred: (referral, at) => {
      const before = latest.get(referral.caseId);
      if (before === undefined || before.closed) open++;
      latest.set(referral.caseId, { referralId: referral.id, closed: false });
      queue.push({ referralId: referral.id, caseId: referral.caseId, hotline: referral.hotline, dueAt: at + afterMs });
    },
    open: () => open,
    closed: () => closed,
    mute: () => mute,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      if (failure !== undefined) throw failure;
    },
  };
}
