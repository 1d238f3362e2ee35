// The bench's stand-in for the hotlines: one durable pull consumer over every
// referral, acking each as a hotline's client does, and recording when the
// referral of each report arrived.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { decodeMessage, type Referral, RelayType, StreamName, SubjectRoot } from '@relay/wire';

/** One referral's way out: when REFERRALS stored it and when the sink got it (epoch ms). */
export interface ReferralTiming {
  readonly reportId: string;
  /** The observation it was decided on (HOSTING), for the hops before it. */
  readonly observationId: string;
  readonly storedAt: number;
  readonly deliveredAt: number;
}

/** Referrals received so far, and the delivery time of each by report id. */
export interface ReferralSink {
  /** Every referral delivered, in order, with its stored time (the pipeline suite's hops). */
  timings(): readonly ReferralTiming[];
  /** Referrals delivered since the sink started. */
  count(): number;
  /** Delivery times (performance.now() + timeOrigin, ms) of the referrals of report `reportId`. */
  deliveredFor(reportId: string): readonly number[];
  /** Resolves once `n` referrals were delivered. */
  until(n: number, timeoutMs: number): Promise<void>;
  /** Time the last referral was delivered, epoch ms. */
  lastAt(): number;
  close(): Promise<void>;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Starts delivering referrals published from now on, on its own connection (as a hotline has); `onReferral` sees each. */
export async function startReferralSink(natsUrl: string, name: string, onReferral?: (referral: Referral, at: number) => void): Promise<ReferralSink> {
  const nc = await connect({ servers: natsUrl, noAsyncTraces: true, name });
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(StreamName.Referrals, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    filter_subject: `${SubjectRoot.Referral}.>`,
    max_ack_pending: 20_000,
  });
  const consumer = await jetstream(nc).consumers.get(StreamName.Referrals, name);
  const byReport = new Map<string, number[]>();
  const timings: ReferralTiming[] = [];
  let count = 0;
  let last = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const messages = await consumer.consume({ max_messages: 1_000 });
  const reading = (async () => {
    for await (const m of messages) {
      const at = now();
      const referral = decodeMessage(RelayType.Referral, m.data);
      m.ack();
      const list = byReport.get(referral.reportId) ?? [];
      list.push(at);
      byReport.set(referral.reportId, list);
      timings.push({ reportId: referral.reportId, observationId: referral.hosting?.id ?? '', storedAt: m.info.timestampNanos / 1e6, deliveredAt: at });
      count++;
      last = at;
      onReferral?.(referral, at);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (count >= (waiters[i]?.n ?? Infinity)) waiters.splice(i, 1)[0]?.resolve();
      }
    }
  })();
  return {
    timings: () => timings,
    count: () => count,
    deliveredFor: (reportId) => byReport.get(reportId) ?? [],
    lastAt: () => last,
    until: (n, timeoutMs) =>
      new Promise((resolve, reject) => {
        if (count >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`only ${count} of ${n} referrals delivered after ${timeoutMs / 1000} s`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    close: async () => {
      await messages.close();
      await reading;
      await jsm.consumers.delete(StreamName.Referrals, name);
      await nc.drain();
    },
  };
}
