import {
  type Bus,
  type Consumed,
  consumerAckFloor,
  type ConsumerRunner,
  consumerLag,
  runConsumer,
  type VerifyMessage,
} from '@relay/bus';
import { idToken, RelayType, type StatusUpdate, StreamName, subjects } from '@relay/wire';
import type { DispatcherLog } from './log.js';

/** The durable of the single status consumer before decision 0090; per-hotline consumers start after its ack floor. */
export const LEGACY_STATUS_DURABLE = 'dispatcher-status';

/** The dispatcher's durable for one hotline's statuses (`relay.status.<hotline>`). */
export function statusDurable(hotline: string): string {
  return `${LEGACY_STATUS_DURABLE}-${idToken('hotline', hotline)}`;
}

/** What the per-hotline status consumers need. */
export interface StatusConsumerDeps {
  readonly bus: Bus;
  readonly handle: (m: Consumed<StatusUpdate>) => Promise<void>;
  readonly verify: VerifyMessage;
  readonly log: DispatcherLog;
  /** Messages of one hotline handled at once. */
  readonly concurrency: number;
  /** Unacked messages one hotline's consumer may have out (its share of the window). */
  readonly maxAckPending: number;
  readonly ackWaitMs: number;
  /** How often a consumer of a hotline gone from the directory is checked for being drained, ms. */
  readonly retireCheckMs?: number;
}

/** The status consumers of the hotlines in the directory. */
export interface StatusConsumers {
  /**
   * Makes the running consumers those of `hotlines`: starts the missing ones
   * (a new consumer starts after the legacy single consumer's ack floor, if
   * that consumer exists, else at the start of the stream), and stops the
   * others once they have nothing pending. Calls are serialised.
   */
  follow(hotlines: readonly string[]): Promise<void>;
  /** Durables with a runner in this process, active or retiring. */
  durables(): string[];
  stop(): Promise<void>;
}

/**
 * One durable pull consumer per hotline, `dispatcher-status-<hotline>` on
 * `relay.status.<hotline>`, each with its own ack-pending window: whatever a
 * hotline sends (or fails to get handled) fills its own window only, so no
 * sender can stall the statuses of the others (decision 0090).
 */
export function createStatusConsumers(deps: StatusConsumerDeps): StatusConsumers {
  const { bus, log } = deps;
  const active = new Map<string, ConsumerRunner>();
  const retiring = new Map<string, ConsumerRunner>();
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;

  const start = async (hotline: string, startSequence: number | undefined): Promise<ConsumerRunner> => {
    const spec = {
      stream: StreamName.Status,
      durable: statusDurable(hotline),
      filterSubject: subjects.status(hotline),
      ackWaitMs: deps.ackWaitMs,
      maxAckPending: deps.maxAckPending,
      ...(startSequence === undefined ? {} : { startSequence }),
    };
    // runConsumer creates it (at the legacy position, if any) or leaves an existing one where it is.
    return runConsumer(
      bus,
      { ...spec, service: 'dispatcher', types: [RelayType.StatusUpdate], concurrency: deps.concurrency, verify: deps.verify, log },
      deps.handle,
    );
  };

  /**
   * Stops the runners of hotlines gone from the directory once nothing is left
   * on their consumers. The consumer itself stays (services delete nothing,
   * decision 0097): a hotline that comes back resumes where it was.
   */
  const retireDrained = async (): Promise<void> => {
    for (const [hotline, runner] of retiring) {
      const durable = statusDurable(hotline);
      const lag = await consumerLag(bus, StreamName.Status, durable).catch(() => undefined);
      if (lag && (lag.pending > 0 || lag.ackPending > 0)) continue;
      retiring.delete(hotline);
      await runner.stop();
      log.info({ hotline, durable }, 'status consumer of a hotline no longer in the directory drained and stopped');
    }
  };

  const reconcile = async (hotlines: readonly string[]): Promise<void> => {
    if (stopped) return;
    const wanted = new Set(hotlines);
    // The legacy consumer holds how far statuses were applied before per-hotline consumers. It is
    // left in place (services delete nothing); everything up to its floor was applied, so even a
    // hotline added long after the upgrade loses nothing by starting past it.
    const legacyFloor = await consumerAckFloor(bus, StreamName.Status, LEGACY_STATUS_DURABLE);
    const startSequence = legacyFloor === undefined ? undefined : legacyFloor + 1;
    const missing = [...wanted].filter((h) => !active.has(h));
    await Promise.all(
      missing.map(async (hotline) => {
        const back = retiring.get(hotline);
        retiring.delete(hotline);
        active.set(hotline, back ?? (await start(hotline, startSequence)));
      }),
    );
    for (const [hotline, runner] of active) {
      if (wanted.has(hotline)) continue;
      active.delete(hotline);
      // Kept running until drained: what is left is refused by the verifier (no such hotline) and dead-lettered, not lost.
      retiring.set(hotline, runner);
    }
    if (legacyFloor !== undefined && missing.length > 0) {
      log.warn(
        { ackFloor: legacyFloor, started: missing.length },
        `new status consumers start after the ack floor of the legacy ${LEGACY_STATUS_DURABLE}; an operator may delete it once no older dispatcher runs`,
      );
    }
    await retireDrained();
  };

  const serialised = (task: () => Promise<void>): Promise<void> => {
    const next = queue.then(task);
    queue = next.catch(() => undefined);
    return next;
  };

  const timer = setInterval(() => {
    if (retiring.size > 0) void serialised(retireDrained).catch((err: unknown) => log.warn({ err }, 'cannot check retiring status consumers'));
  }, deps.retireCheckMs ?? 5_000);
  timer.unref();

  return {
    follow: (hotlines) => serialised(() => reconcile(hotlines)),
    durables: () => [...active.keys(), ...retiring.keys()].map(statusDurable),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await queue;
      await Promise.all([...active.values(), ...retiring.values()].map((r) => r.stop()));
      active.clear();
      retiring.clear();
    },
  };
}
