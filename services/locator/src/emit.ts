import { type Bus, publishMessage } from '@relay/bus';
import { type HostingObservation, RelayType, subjects } from '@relay/wire';
import { hostingCountry, observationMsgId } from './observation.js';

/** Where an observation went. */
export interface Emitted {
  readonly subject: string;
  /** True when HOSTING already had this observation id (a redelivery or replay). */
  readonly duplicate: boolean;
}

/**
 * Publishes one observation on `relay.hosting.<CC>` with its derived msgId,
 * the origin of its cause and the cause's trace.
 * @throws PublishError (retryable) when JetStream does not acknowledge it.
 */
export async function emitObservation(
  bus: Bus,
  observation: HostingObservation,
  context: { readonly origin: string; readonly traceparent: string },
): Promise<Emitted> {
  const subject = subjects.hosting(hostingCountry(observation));
  const stored = await publishMessage(bus, subject, RelayType.HostingObservation, observation, {
    msgId: observationMsgId(observation),
    origin: context.origin,
    traceparent: context.traceparent,
  });
  return { subject, duplicate: stored.duplicate };
}
