// Where a referral's time goes between submission and delivery, hop by hop (issue 22's p99): the
// time each message was stored in its stream (nats-server's clock, the same machine's) for the
// report (REPORTS), the observation its referral was decided on (HOSTING) and the referral itself.
import { type Bus, readStream, streamState } from '@relay/bus';
import { decodeMessage, Header, RelayType, StreamName } from '@relay/wire';
import { type LatencyFigures, percentiles } from '../harness.js';
import type { Sent } from './drive.js';
import type { ReferralTiming } from './referral-sink.js';

/** The last sequence of REPORTS and HOSTING before a phase: its messages come after. */
export interface StreamMarks {
  readonly reports: number;
  readonly hosting: number;
}

export async function streamMarks(bus: Bus): Promise<StreamMarks> {
  const [reports, hosting] = await Promise.all([streamState(bus, StreamName.Reports), streamState(bus, StreamName.Hosting)]);
  return { reports: reports?.lastSeq ?? 0, hosting: hosting?.lastSeq ?? 0 };
}

/** Stored time (epoch ms) of each message of `type` after `afterSeq`, by its id. */
async function storedTimes(bus: Bus, stream: StreamName, afterSeq: number, type: typeof RelayType.Report | typeof RelayType.HostingObservation): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for await (const m of readStream(bus, { stream, startSeq: afterSeq + 1 })) {
    if (m.headers[Header.Type] !== type) continue;
    times.set(decodeMessage(type, m.data).id, m.time.getTime());
  }
  return times;
}

/** The hops of the referrals of `sent`: submission -> report stored -> observation stored -> referral stored -> delivered. */
export async function hopLatencies(bus: Bus, marks: StreamMarks, sent: readonly Sent[], timings: readonly ReferralTiming[], rate: number): Promise<Record<string, LatencyFigures>> {
  const sentAt = new Map(sent.map((s) => [s.reportId, s.sentAt]));
  const reportAt = await storedTimes(bus, StreamName.Reports, marks.reports, RelayType.Report);
  const observedAt = await storedTimes(bus, StreamName.Hosting, marks.hosting, RelayType.HostingObservation);
  const [intake, locator, dispatcher, delivery]: [number[], number[], number[], number[]] = [[], [], [], []];
  for (const t of timings) {
    const submitted = sentAt.get(t.reportId);
    const reported = reportAt.get(t.reportId);
    const observed = observedAt.get(t.observationId);
    if (submitted === undefined || reported === undefined || observed === undefined) continue;
    intake.push(reported - submitted);
    locator.push(observed - reported);
    dispatcher.push(t.storedAt - observed);
    delivery.push(t.deliveredAt - t.storedAt);
  }
  return {
    'gateway (submitted -> report stored)': percentiles(intake, rate),
    'locator (report -> observation stored)': percentiles(locator, rate),
    'dispatcher (observation -> referral stored)': percentiles(dispatcher, rate),
    'delivery (referral stored -> delivered)': percentiles(delivery, rate),
  };
}
