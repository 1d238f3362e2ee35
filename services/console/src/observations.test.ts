import { messageFromJson, messageToJson, RelayType, type RelayTypeName } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import type { FeedEvent } from './feed.js';
import { caseObservations } from './observations.js';

/** A stored message as the case API reads it: its proto3 JSON, through the codec, as feedEventOf makes it. */
function event(type: RelayTypeName, seq: number, json: unknown): FeedEvent {
  return { stream: type === RelayType.Referral ? 'REFERRALS' : 'NOTICES', seq, subject: 'relay.x', time: new Date(Date.UTC(2026, 11, 5, 6, seq)).toISOString(), type, message: messageToJson(type, messageFromJson(type, json)) };
}

const URL = 'http://moving.example.net/console/1';

const reported = {
  id: 'obs-report',
  url: URL,
  host: 'moving.example.net',
  addresses: [{ ip: '185.107.56.1', country: 'NL', asn: 43350, asOrganisation: 'NForce Entertainment B.V.' }],
  country: 'NL',
  asn: 43350,
  asOrganisation: 'NForce Entertainment B.V.',
  status: 'HOSTING_STATUS_LOCATED',
  confidence: 'LOCATION_CONFIDENCE_AGREE',
  resolvedAt: '2026-12-05T06:00:30.000Z',
  cause: { report: { reportId: 'rpt_1', source: 'ncmec', reporterCountry: 'US', receivedAt: '2026-12-05T06:00:29.000Z' } },
};

const rechecked = {
  id: 'obs-recheck',
  url: URL,
  host: 'moving.example.net',
  addresses: [{ ip: '104.16.0.1', country: 'US', asn: 13335, asOrganisation: 'Cloudflare, Inc.', cdn: 'Cloudflare' }],
  country: 'US',
  asn: 13335,
  asOrganisation: 'Cloudflare, Inc.',
  cdn: 'Cloudflare',
  status: 'HOSTING_STATUS_MASKED',
  resolvedAt: '2026-12-05T06:04:30.000Z',
  cause: { recheck: { recheckId: 'rck_2', caseId: 'case-1', reason: 'RECHECK_REASON_SCHEDULED' } },
};

describe('the observations of a case timeline', () => {
  it('lists each observation the messages carry once, oldest first, with country, network, CDN, why and what it led to', () => {
    const events = [
      event(RelayType.Referral, 1, { id: 'ref-1', caseId: 'case-1', url: URL, hotline: 'eokm', jurisdiction: 'NL', reason: 'ROUTING_REASON_HOSTED_IN', hosting: reported }),
      event(RelayType.Notice, 2, { id: 'ntc-1', kind: 'NOTICE_KIND_POLICE_REFERRAL', caseId: 'case-1', url: URL, country: 'NL', hostingAfter: reported }),
      event(RelayType.Notice, 5, { id: 'ntc-2', kind: 'NOTICE_KIND_CASE_MOVED_OUT', caseId: 'case-1', url: URL, country: 'NL', hostingBefore: reported, hostingAfter: rechecked }),
    ];
    const observations = caseObservations(events);
    expect(observations).toEqual([
      {
        id: 'obs-report',
        resolvedAt: '2026-12-05T06:00:30.000Z',
        host: 'moving.example.net',
        country: 'NL',
        asn: 43350,
        asOrganisation: 'NForce Entertainment B.V.',
        cdn: '',
        status: 'HOSTING_STATUS_LOCATED',
        confidence: 'LOCATION_CONFIDENCE_AGREE',
        addresses: ['185.107.56.1'],
        cause: { kind: 'report', reportId: 'rpt_1', source: 'ncmec', receivedAt: '2026-12-05T06:00:29.000Z', reporterCountry: 'US' },
        carriedBy: [
          { type: RelayType.Referral, id: 'ref-1', what: 'ROUTING_REASON_HOSTED_IN', role: 'routed-on' },
          { type: RelayType.Notice, id: 'ntc-1', what: 'NOTICE_KIND_POLICE_REFERRAL', role: 'after' },
          { type: RelayType.Notice, id: 'ntc-2', what: 'NOTICE_KIND_CASE_MOVED_OUT', role: 'before' },
        ],
      },
      expect.objectContaining({
        id: 'obs-recheck',
        country: 'US',
        asn: 13335,
        cdn: 'Cloudflare',
        status: 'HOSTING_STATUS_MASKED',
        cause: { kind: 'recheck', recheckId: 'rck_2', reason: 'RECHECK_REASON_SCHEDULED' },
        carriedBy: [{ type: RelayType.Notice, id: 'ntc-2', what: 'NOTICE_KIND_CASE_MOVED_OUT', role: 'after' }],
      }),
    ]);
  });

  it('finds none in status updates or messages without hosting, and none in a case it cannot read', () => {
    const status = event(RelayType.StatusUpdate, 3, { id: 'st-1', hotline: 'eokm', referralId: 'ref-1', caseId: 'case-1', action: 'STATUS_ACTION_ISP' });
    const bare = event(RelayType.Notice, 4, { id: 'ntc-3', kind: 'NOTICE_KIND_DEADLINE_ESCALATION', caseId: 'case-1', url: URL, country: 'NL' });
    expect(caseObservations([status, bare])).toEqual([]);
    expect(caseObservations([])).toEqual([]);
  });
});
