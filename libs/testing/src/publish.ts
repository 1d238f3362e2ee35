import { type Bus, publishMessage } from '@relay/bus';
import { type HostingObservation, RelayType, type StatusUpdate, subjects, UNKNOWN_COUNTRY } from '@relay/wire';

/** Publishes an observation exactly as the locator would. */
export async function publishObservation(bus: Bus, o: HostingObservation, msgId = `locator:${o.id}`): Promise<void> {
  await publishMessage(bus, subjects.hosting(o.country || UNKNOWN_COUNTRY), RelayType.HostingObservation, o, { msgId, origin: 'locator' });
}

/** Publishes a hotline's status update on `relay.status.<sender>` (its own hotline by default). */
export async function publishStatus(bus: Bus, u: StatusUpdate, sender = u.hotline): Promise<void> {
  await publishMessage(bus, subjects.status(sender), RelayType.StatusUpdate, u, { msgId: `${sender}:${u.id}`, origin: sender });
}
