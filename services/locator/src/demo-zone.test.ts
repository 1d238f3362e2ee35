import { createCdnCatalogue, createZoneResolver, type LocateDeps, locate, openGeo } from '@relay/geo';
import { HostingStatus, ResolutionErrorCode } from '@relay/wire';
import { DEV_ZONE_FILE } from '@relay/testing';
import { beforeAll, describe, expect, it } from 'vitest';

let deps: LocateDeps;
beforeAll(async () => {
  deps = { resolver: createZoneResolver({ path: DEV_ZONE_FILE }), geo: await openGeo(), cdn: createCdnCatalogue(), clock: () => new Date() };
});

describe('the demo zone (deploy/dev/zone.json)', () => {
  it.each([
    ['http://images.example.nl/', HostingStatus.HOSTING_STATUS_LOCATED, 'NL'],
    ['http://www.example.nl/', HostingStatus.HOSTING_STATUS_LOCATED, 'NL'],
    ['http://files.example.com/', HostingStatus.HOSTING_STATUS_LOCATED, 'NL'],
    ['http://gallery.example.de/', HostingStatus.HOSTING_STATUS_LOCATED, 'DE'],
    ['http://media.example.fr/', HostingStatus.HOSTING_STATUS_LOCATED, 'FR'],
    ['http://photos.example.co.uk/', HostingStatus.HOSTING_STATUS_LOCATED, 'GB'],
    ['http://share.example.us/', HostingStatus.HOSTING_STATUS_LOCATED, 'US'],
    ['http://hidden.example.org/', HostingStatus.HOSTING_STATUS_MASKED, 'US'],
    ['http://moving.example.net/', HostingStatus.HOSTING_STATUS_LOCATED, 'NL'],
    ['http://intranet.example.com/', HostingStatus.HOSTING_STATUS_UNROUTABLE, ''],
  ])('places %s as documented', async (url, status, country) => {
    expect(await locate(url, deps)).toMatchObject({ status, country });
  });

  it.each([
    ['http://gone.example.com/', ResolutionErrorCode.RESOLUTION_ERROR_CODE_NXDOMAIN],
    ['http://broken.example.com/', ResolutionErrorCode.RESOLUTION_ERROR_CODE_SERVFAIL],
    ['http://slow.example.com/', ResolutionErrorCode.RESOLUTION_ERROR_CODE_TIMEOUT],
  ])('fails %s as documented', async (url, code) => {
    expect((await locate(url, deps)).error?.code).toBe(code);
  });
});
