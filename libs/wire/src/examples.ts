import { AgeGroup, CsamCategory, HashAlgorithm, IncidentType, LegalClassification, Priority, SiteType } from './gen/relay/v1/common.js';
import { HostingStatus, LocationConfidence } from './gen/relay/v1/hosting.js';
import type { HostingObservation } from './gen/relay/v1/hosting.js';
import { Audience, NoticeKind } from './gen/relay/v1/notice.js';
import { RecheckReason } from './gen/relay/v1/recheck.js';
import { RoutingReason } from './gen/relay/v1/referral.js';
import { StatusAction } from './gen/relay/v1/status.js';
import type { RelayMessageMap, RelayTypeName } from './messages.js';

const AT = new Date('2026-11-02T09:15:00.000Z');

function hex(s: string): Buffer {
  return Buffer.from(s, 'hex');
}

const HASHES = [
  { algorithm: HashAlgorithm.HASH_ALGORITHM_MD5, value: hex('9e107d9d372bb6826bd81d3542a419d6') },
  { algorithm: HashAlgorithm.HASH_ALGORITHM_SHA256, value: hex('d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592') },
];

const CLASSIFICATION = {
  legal: LegalClassification.LEGAL_CLASSIFICATION_BASELINE,
  category: CsamCategory.CSAM_CATEGORY_A1,
  siteType: SiteType.SITE_TYPE_IMAGE_HOST,
  ageGroup: AgeGroup.AGE_GROUP_PREPUBESCENT,
};

const HOSTING: HostingObservation = {
  id: 'obs_3f1c0a',
  url: 'http://images.example.nl/gallery/1',
  normalizedUrl: 'http://images.example.nl/gallery/1',
  host: 'images.example.nl',
  registrableDomain: 'example.nl',
  cnameChain: [],
  addresses: [
    {
      ip: '185.107.56.1',
      country: 'NL',
      countrySecondary: 'NL',
      asn: 43350,
      asOrganisation: 'NForce Entertainment B.V.',
      cdn: '',
      unroutable: false,
    },
  ],
  country: 'NL',
  asn: 43350,
  asOrganisation: 'NForce Entertainment B.V.',
  cdn: '',
  confidence: LocationConfidence.LOCATION_CONFIDENCE_AGREE,
  status: HostingStatus.HOSTING_STATUS_LOCATED,
  resolvedAt: AT,
  repair: false,
  cause: {
    cause: {
      $case: 'report',
      value: {
        reportId: 'rpt_5b2e',
        source: 'ncmec',
        sourceReportId: '171234567',
        // The hashes stay on the report: the observation refers to it (decision 0094).
        hashes: [],
        classification: CLASSIFICATION,
        priority: Priority.PRIORITY_HIGH,
        incidentType: IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
        receivedAt: AT,
        reporterCountry: 'US',
        reportSeq: 1n,
        hashCount: HASHES.length,
      },
    },
  },
};

/**
 * A realistic example of each relay.v1 message: the seed scenario of an NCMEC
 * report on a URL hosted by a Dutch hoster. For tests, documentation and
 * benchmarks; every field that a receiver reads is set.
 */
export function exampleMessage<K extends RelayTypeName>(type: K): RelayMessageMap[K] {
  const examples: RelayMessageMap = {
    'relay.v1.Report': {
      id: 'rpt_5b2e',
      source: 'ncmec',
      sourceReportId: '171234567',
      incidentType: IncidentType.INCIDENT_TYPE_CHILD_PORNOGRAPHY,
      incidentTime: new Date('2026-11-01T22:40:00.000Z'),
      receivedAt: AT,
      urls: ['http://images.example.nl/gallery/1', 'https://cdn.example.com/x/2.jpg'],
      hashes: HASHES,
      classification: CLASSIFICATION,
      priority: Priority.PRIORITY_HIGH,
      reporter: { organisation: 'NCMEC CyberTipline', country: 'US', contactEmail: 'tips@example.org' },
    },
    'relay.v1.HostingObservation': HOSTING,
    'relay.v1.Referral': {
      id: 'ref_9a7c',
      caseId: 'case_41d0',
      reportId: 'rpt_5b2e',
      source: 'ncmec',
      url: HOSTING.url,
      hashes: HASHES,
      classification: CLASSIFICATION,
      hosting: HOSTING,
      jurisdiction: 'NL',
      reason: RoutingReason.ROUTING_REASON_HOSTED_IN,
      hotline: 'eokm',
      deadline: new Date('2026-11-03T09:15:00.000Z'),
      priority: Priority.PRIORITY_HIGH,
      supersedes: '',
      sources: ['ncmec', 'iwf'],
      directoryRevision: 7n,
      issuedAt: AT,
    },
    'relay.v1.Notice': {
      id: 'ntc_22be',
      kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT,
      audience: Audience.AUDIENCE_POLICE,
      country: 'NL',
      referralId: 'ref_9a7c',
      caseId: 'case_41d0',
      url: HOSTING.url,
      hostingBefore: HOSTING,
      hostingAfter: { ...HOSTING, country: 'DE', asn: 24940, asOrganisation: 'Hetzner Online GmbH' },
      issuedAt: AT,
      deadline: undefined,
      hotline: '',
      summary: 'The site moved from NL (AS43350) to DE (AS24940); the German hotline has the case.',
    },
    'relay.v1.StatusUpdate': {
      id: 'eokm-status-1',
      hotline: 'eokm',
      referralId: 'ref_9a7c',
      caseId: 'case_41d0',
      action: StatusAction.STATUS_ACTION_ISP,
      occurredAt: AT,
      note: 'NTD sent to hoster',
    },
    'relay.v1.AuditRecord': {
      id: 'aud_7f3e',
      actor: 'operator-alice',
      action: 'replay',
      target: 'REFERRALS 2026-11-01T00:00:00Z..2026-11-02T00:00:00Z',
      reason: 'EOKM lost its referral database; resend November 1st',
      occurredAt: AT,
      details: { count: '1843', to: 'file:referrals-nov1.jsonl' },
      host: 'relay-ops-1',
      prevHash: Buffer.from('5c1f0e7a9b3d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6', 'hex'),
      prevSeq: 41n,
    },
    'relay.v1.RecheckRequest': {
      id: 'rck_c0de',
      caseId: 'case_41d0',
      url: HOSTING.normalizedUrl,
      reason: RecheckReason.RECHECK_REASON_SCHEDULED,
      sequence: 3n,
      requestedAt: AT,
      reportId: '',
      reportSeq: 0n,
    },
  };
  return examples[type];
}
