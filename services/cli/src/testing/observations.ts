// Test support: observations and status updates as the locator and hotlines publish them.
import { type Bus, publishMessage } from '@relay/bus';
import { deriveId, exampleMessage, type HostingObservation, HostingStatus, RelayType, type StatusUpdate, subjects, UNKNOWN_COUNTRY } from '@relay/wire';

/** Networks used in tests, by country. */
export const HOSTERS = {
  NL: { country: 'NL', asn: 43350, asOrganisation: 'NForce Entertainment B.V.', ip: '185.107.56.1' },
  NL2: { country: 'NL', asn: 60781, asOrganisation: 'LeaseWeb Netherlands B.V.', ip: '212.32.230.1' },
  DE: { country: 'DE', asn: 24940, asOrganisation: 'Hetzner Online GmbH', ip: '88.198.1.1' },
} as const;
export type Hoster = (typeof HOSTERS)[keyof typeof HOSTERS];

/** A unique URL for one test case. */
export function testUrl(name: string): string {
  return `http://${name}-${deriveId('u', Math.random()).slice(2, 10)}.example.nl/gallery/1`;
}

/** An observation of `url` on `hoster` caused by a report of `source`, id derived as the locator does. */
export function reportObservation(url: string, hoster: Hoster, resolvedAt: number, source = 'ncmec'): HostingObservation {
  const base = exampleMessage(RelayType.HostingObservation);
  const baseReport = base.cause?.cause?.$case === 'report' ? base.cause.cause.value : undefined;
  const reportId = deriveId('rpt', source, url);
  return {
    ...base,
    id: deriveId('obs', url, reportId),
    url,
    normalizedUrl: url,
    host: new URL(url).hostname,
    addresses: [{ ip: hoster.ip, country: hoster.country, countrySecondary: hoster.country, asn: hoster.asn, asOrganisation: hoster.asOrganisation, cdn: '', unroutable: false }],
    country: hoster.country,
    asn: hoster.asn,
    asOrganisation: hoster.asOrganisation,
    cdn: '',
    status: HostingStatus.HOSTING_STATUS_LOCATED,
    resolvedAt: new Date(resolvedAt),
    cause: { cause: { $case: 'report', value: { ...baseReport!, source, reportId, receivedAt: new Date(resolvedAt) } } },
  };
}

/** Publishes an observation exactly as the locator would. */
export async function publishObservation(bus: Bus, o: HostingObservation): Promise<void> {
  await publishMessage(bus, subjects.hosting(o.country || UNKNOWN_COUNTRY), RelayType.HostingObservation, o, { msgId: `locator:${o.id}`, origin: 'locator' });
}

/** Publishes a hotline's status update on `relay.status.<hotline>`. */
export async function publishStatus(bus: Bus, u: StatusUpdate): Promise<void> {
  await publishMessage(bus, subjects.status(u.hotline), RelayType.StatusUpdate, u, { msgId: `${u.hotline}:${u.id}`, origin: u.hotline });
}
