import { type Bus, type ConsumerRunner, type JsonBucket, openJsonBucket, publishMessage, runConsumer, type Stoppable, type VerifyMessage } from '@relay/bus';
import { DEFAULT_HOSTER_WAVE_POLICY, type Directory, type HosterWavePolicy, hosterWavePolicy } from '@relay/directory';
import { KvBucket, NoticeKind, RelayType, StreamName, subjectFilters } from '@relay/wire';
import { moveOf, waveKeyOf } from './move.js';
import { applyMove, closeIfQuiet, type PendingRevision, type WaveSlot, waveSlotSchema } from './wave.js';
import { ORIGIN, waveNotices } from './wave-notices.js';

/** Durable consumer names of the watch. */
export const Durable = { Notices: 'watch-notices' } as const;

/** Everything a running watch is made of. */
export interface WatchParts {
  readonly bus: Bus;
  /** The directory in force (thresholds, the new country's hotline, removal authorities); undefined before one is stored. */
  readonly directory: () => Directory | undefined;
  /** Unix ms. Default Date.now. */
  readonly clock?: () => number;
  /** How often waves are checked for a window passed (closing them with a final revision). Default 30 s. */
  readonly sweepIntervalMs?: number;
  /** Notices handled at once. Default 16. */
  readonly concurrency?: number;
  /** Provenance check of the notices read (the dispatcher's). */
  readonly verify?: VerifyMessage;
  /** Told of every wave revision published. */
  readonly revised?: (pending: PendingRevision, notices: number) => void;
  readonly log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** A running watch. */
export interface RunningWatch extends Stoppable {
  /** True while the consumer runs. */
  running(): boolean;
  /** Closes the waves whose window passed and publishes what is pending, now (what the timer does). */
  sweep(): Promise<void>;
}

const RELOCATIONS: ReadonlySet<NoticeKind> = new Set([NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, NoticeKind.NOTICE_KIND_RELOCATION_IN]);

/**
 * Runs the watch: the durable consumer `watch-notices` on NOTICES reads the
 * dispatcher's relocation notices (case moved out, relocation in), groups the
 * moves per hoster left and country pair into waves (KV `relay-waves`, by
 * compare-and-set), and publishes each wave revision through the wave's
 * outbox: decided and stored first, then published with ids derived from
 * wave, revision and recipient, then removed from the outbox. A crash between
 * the two is repaired by the next message of the wave or the next sweep; a
 * redelivered or replayed notice changes nothing (decision 0120).
 */
export async function runWatch(parts: WatchParts): Promise<RunningWatch> {
  const { bus } = parts;
  const clock = parts.clock ?? Date.now;
  const bucket = await openJsonBucket(bus, KvBucket.Waves, (raw) => waveSlotSchema.parse(raw));
  const chains = new Map<string, Promise<unknown>>();
  /** One change at a time per wave key in this process; compare-and-set keeps copies apart. */
  const serial = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const next = (chains.get(key) ?? Promise.resolve()).then(work, work);
    const tail = next.catch(() => undefined);
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return next;
  };
  const policyOf = (from: string): HosterWavePolicy => {
    const d = parts.directory();
    return d ? hosterWavePolicy(d, from) : DEFAULT_HOSTER_WAVE_POLICY;
  };

  const flush = async (key: string, slot: WaveSlot | undefined): Promise<void> => {
    if (!slot || slot.outbox.length === 0) return;
    for (const pending of slot.outbox) {
      const notices = waveNotices(pending);
      for (const n of notices) await publishMessage(bus, n.subject, RelayType.Notice, n.notice, { msgId: n.msgId, origin: ORIGIN });
      parts.revised?.(pending, notices.length);
    }
    const done = new Set(slot.outbox.map((p) => `${p.wave.id}#${p.revision}`));
    await bucket.update(key, (cur) => (cur && cur.outbox.length > 0 ? { ...cur, outbox: cur.outbox.filter((p) => !done.has(`${p.wave.id}#${p.revision}`)) } : undefined));
  };

  const change = async (key: string, fn: (cur: WaveSlot | undefined) => WaveSlot | undefined, b: JsonBucket<WaveSlot>): Promise<void> => {
    const changed = await b.update(key, fn);
    await flush(key, changed?.value ?? (await b.get(key))?.value);
  };

  let runner: ConsumerRunner | undefined;
  runner = await runConsumer(
    bus,
    {
      service: 'watch',
      stream: StreamName.Notices,
      durable: Durable.Notices,
      filterSubject: subjectFilters.notices(),
      types: [RelayType.Notice],
      concurrency: parts.concurrency ?? 16,
      ...(parts.verify ? { verify: parts.verify } : {}),
      ...(parts.log ? { log: parts.log } : {}),
    },
    async ({ message: n }) => {
      if (!RELOCATIONS.has(n.kind)) return;
      const move = moveOf(n, parts.directory());
      if (!move) return;
      const key = waveKeyOf(move);
      const policy = policyOf(move.from);
      await serial(key, () => change(key, (cur) => applyMove(cur, move, policy, clock()), bucket));
    },
  );

  const sweep = async (): Promise<void> => {
    const keys: string[] = [];
    for await (const k of bucket.keys()) keys.push(k);
    for (const key of keys) {
      await serial(key, async () => {
        const slot = (await bucket.get(key))?.value;
        if (!slot) return;
        const policy = policyOf(slot.wave.from);
        await change(key, (cur) => (cur ? closeIfQuiet(cur, policy, clock()) : undefined), bucket);
      });
    }
  };
  let sweeping: Promise<void> | undefined;
  const tick = (): void => {
    sweeping ??= sweep()
      .catch((err: unknown) => parts.log?.warn({ err }, 'wave sweep failed; the next one retries'))
      .finally(() => (sweeping = undefined));
  };
  tick();
  const timer = setInterval(tick, parts.sweepIntervalMs ?? 30_000);
  timer.unref();
  let stopped = false;
  return {
    running: () => !stopped,
    sweep: async () => {
      await sweeping;
      await sweep();
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await runner?.stop();
      runner = undefined;
      await sweeping;
    },
  };
}
