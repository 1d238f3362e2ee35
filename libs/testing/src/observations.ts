import { deriveId, exampleMessage, type HostingObservation, HostingStatus, RelayType } from '@relay/wire';

/** The seed scenario's URL. */
export const SEED_URL = 'http://images.example.nl/gallery/1';

/** Networks used in tests, by country. */
export const HOSTERS = {
  NL: { country: 'NL', asn: 43350, asOrganisation: 'NForce Entertainment B.V.', ip: '185.107.56.1' },
  NL2: { country: 'NL', asn: 60781, asOrganisation: 'LeaseWeb Netherlands B.V.', ip: '212.32.230.1' },
  DE: { country: 'DE', asn: 24940, asOrganisation: 'Hetzner Online GmbH', ip: '88.198.1.1' },
  RU: { country: 'RU', asn: 197695, asOrganisation: 'Domain names registrar REG.RU', ip: '194.58.112.1' },
} as const;

/** One network of {@link HOSTERS}. */
export type Hoster = (typeof HOSTERS)[keyof typeof HOSTERS];

/** A unique URL for one test case. */
export function testUrl(name: string): string {
  return `http://${name}-${deriveId('u', Math.random()).slice(2, 10)}.example.nl/gallery/1`;
}

/** What an observation is made of in tests. */
export interface ObservationSpec {
  /** Default {@link SEED_URL}. */
  readonly url?: string;
  /** Default `HOSTERS.NL`. */
  readonly hoster?: Hoster;
  /** Default located. */
  readonly status?: HostingStatus;
  readonly cdn?: string;
  readonly country?: string;
  /** Epoch ms. */
  readonly resolvedAt: number;
  /** A report by this source (received at `receivedAt`, default resolvedAt), or a recheck with this id. */
  readonly cause: { readonly source: string; readonly reportId?: string; readonly receivedAt?: number } | { readonly recheckId: string; readonly caseId: string };
}

/**
 * An observation as the locator would publish it: id derived from URL and
 * cause as in the contract.
 */
export function observation(spec: ObservationSpec): HostingObservation {
  const base = exampleMessage(RelayType.HostingObservation);
  const url = spec.url ?? SEED_URL;
  const hoster = spec.hoster ?? HOSTERS.NL;
  const status = spec.status ?? HostingStatus.HOSTING_STATUS_LOCATED;
  const baseReport = base.cause?.cause?.$case === 'report' ? base.cause.cause.value : undefined;
  const cause: HostingObservation['cause'] =
    'source' in spec.cause
      ? {
          cause: {
            $case: 'report',
            value: {
              ...baseReport!,
              source: spec.cause.source,
              reportId: spec.cause.reportId ?? deriveId('rpt', spec.cause.source, url),
              receivedAt: new Date(spec.cause.receivedAt ?? spec.resolvedAt),
            },
          },
        }
      : { cause: { $case: 'recheck', value: { recheckId: spec.cause.recheckId, caseId: spec.cause.caseId, reason: 1 } } };
  const causeId = 'source' in spec.cause ? (cause.cause?.$case === 'report' ? cause.cause.value.reportId : '') : spec.cause.recheckId;
  const located = status === HostingStatus.HOSTING_STATUS_LOCATED || status === HostingStatus.HOSTING_STATUS_MASKED;
  return {
    ...base,
    id: deriveId('obs', url, causeId),
    url,
    normalizedUrl: url,
    host: new URL(url).hostname,
    addresses: located ? [{ ip: hoster.ip, country: hoster.country, countrySecondary: hoster.country, asn: hoster.asn, asOrganisation: hoster.asOrganisation, cdn: spec.cdn ?? '', unroutable: false }] : [],
    country: spec.country ?? (located ? hoster.country : ''),
    asn: located ? hoster.asn : 0,
    asOrganisation: located ? hoster.asOrganisation : '',
    cdn: spec.cdn ?? '',
    status,
    resolvedAt: new Date(spec.resolvedAt),
    cause,
  };
}
