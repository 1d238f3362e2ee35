import { fileURLToPath } from 'node:url';
import { Audience, exampleMessage, type HostingObservation, HostingStatus, NoticeKind, RelayType, RoutingReason } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { HoldReason, loadDirectoryFile, routeObservation } from './index.js';

const directory = loadDirectoryFile(fileURLToPath(new URL('../../../deploy/dev/directory.json', import.meta.url)));
const base = exampleMessage(RelayType.HostingObservation);
const at = (patch: Partial<HostingObservation>): HostingObservation => ({ ...base, ...patch });

describe('routeObservation', () => {
  it('refers a URL hosted in the Netherlands to EOKM and tells the Dutch police', () => {
    expect(routeObservation(at({ country: 'NL' }), directory, ['ncmec'])).toEqual({
      kind: 'refer',
      jurisdiction: 'NL',
      hotline: 'eokm',
      hotlineCountry: 'NL',
      reason: RoutingReason.ROUTING_REASON_HOSTED_IN,
      fallback: false,
      notices: [{ kind: NoticeKind.NOTICE_KIND_POLICE_REFERRAL, audience: Audience.AUDIENCE_POLICE, country: 'NL' }],
    });
  });

  it('refers a URL hosted in Germany to the hotline the directory chose for Germany', () => {
    const route = routeObservation(at({ country: 'DE', asn: 24940 }), directory, ['ncmec']);
    expect(route).toMatchObject({ kind: 'refer', jurisdiction: 'DE', hotline: 'eco', reason: RoutingReason.ROUTING_REASON_HOSTED_IN });
  });

  it('refers a CDN-masked URL to the hotline of the CDN operator’s country with a CDN-origin request', () => {
    const route = routeObservation(at({ status: HostingStatus.HOSTING_STATUS_MASKED, cdn: 'Cloudflare', country: 'US' }), directory, ['iwf']);
    expect(route).toEqual({
      kind: 'refer',
      jurisdiction: 'US',
      hotline: 'ncmec',
      hotlineCountry: 'US',
      reason: RoutingReason.ROUTING_REASON_CDN_MASKED,
      fallback: false,
      notices: [{ kind: NoticeKind.NOTICE_KIND_CDN_ORIGIN_REQUEST, audience: Audience.AUDIENCE_HOTLINE, country: 'US', hotline: 'ncmec' }],
    });
  });

  it('sends a URL hosted where no hotline exists to the fallback and tells the reporting hotline', () => {
    expect(routeObservation(at({ country: 'RU' }), directory, ['ncmec'])).toEqual({
      kind: 'refer',
      jurisdiction: 'RU',
      hotline: 'interpol',
      hotlineCountry: 'RU',
      reason: RoutingReason.ROUTING_REASON_NO_HOTLINE_FALLBACK,
      fallback: true,
      notices: [{ kind: NoticeKind.NOTICE_KIND_NO_HOTLINE, audience: Audience.AUDIENCE_HOTLINE, country: 'US', hotline: 'ncmec' }],
    });
  });

  it('tells no one of a fallback when the reporter is not a hotline', () => {
    const route = routeObservation(at({ country: 'RU' }), directory, ['some-esp']);
    expect(route).toMatchObject({ kind: 'refer', hotline: 'interpol', notices: [] });
  });

  it('sends no notice to a reporter whose membership is not confirmed: it has no consumer to read it', () => {
    const route = routeObservation(at({ country: 'RU' }), directory, ['cybertip-ca', 'iwf']);
    expect(route).toMatchObject({
      kind: 'refer',
      hotline: 'interpol',
      notices: [{ kind: NoticeKind.NOTICE_KIND_NO_HOTLINE, audience: Audience.AUDIENCE_HOTLINE, country: 'GB', hotline: 'iwf' }],
    });
  });

  it('treats a country whose only hotline has unknown membership as a country without a hotline', () => {
    expect(routeObservation(at({ country: 'CA' }), directory, ['iwf'])).toMatchObject({
      hotline: 'interpol',
      reason: RoutingReason.ROUTING_REASON_NO_HOTLINE_FALLBACK,
      notices: [{ kind: NoticeKind.NOTICE_KIND_NO_HOTLINE, country: 'GB', hotline: 'iwf' }],
    });
  });

  it.each([
    ['unroutable addresses', { status: HostingStatus.HOSTING_STATUS_UNROUTABLE, country: '' }, HoldReason.Unroutable],
    ['a DNS failure', { status: HostingStatus.HOSTING_STATUS_UNRESOLVED, country: '' }, HoldReason.Unresolved],
    ['a located host without a country', { status: HostingStatus.HOSTING_STATUS_LOCATED, country: '' }, HoldReason.UnknownCountry],
    ['a masked host without a CDN country', { status: HostingStatus.HOSTING_STATUS_MASKED, country: 'XX' }, HoldReason.UnknownCountry],
  ])('holds a case with %s', (_what, patch, reason) => {
    expect(routeObservation(at(patch), directory, ['ncmec'])).toEqual({ kind: 'hold', reason });
  });
});
