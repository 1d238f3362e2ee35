import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Bus, busConfigFromEnv, connectBus, consumerLag, ensureTenantConsumers, ensureTopology } from '@relay/bus';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryFile, Membership, parseDirectory, tenantsOf } from './index.js';

const DEV_DIRECTORY = fileURLToPath(new URL('../../../deploy/dev/directory.json', import.meta.url));
const devFile = (): DirectoryFile => JSON.parse(readFileSync(DEV_DIRECTORY, 'utf8')) as DirectoryFile;

let server: NatsServer;
let bus: Bus;
beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'directory-tenants-test'));
  await ensureTopology(bus, { replicas: 1 });
});
afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

const hotlineIds = (file: DirectoryFile): string[] => tenantsOf(parseDirectory(file)).hotlines.map((h) => h.id);

describe('tenantsOf', () => {
  it('leaves out every hotline whose INHOPE membership is not confirmed, and keeps every member hotline', () => {
    const file = devFile();
    const unconfirmed = file.hotlines.filter((h) => h.membership === Membership.Unknown).map((h) => h.id);
    expect(unconfirmed).toEqual(expect.arrayContaining(['cybertip-ca', 'cy-hotline', 'apav-lis']));
    const ids = hotlineIds(file);
    for (const id of unconfirmed) expect(ids).not.toContain(id);
    // Several member hotlines of one country (DE) are all tenants, each with its own notices.
    expect(ids).toEqual(expect.arrayContaining(['eco', 'fsm', 'jugendschutz-net', 'eokm', 'interpol']));
    expect(ids).toHaveLength(file.hotlines.length - unconfirmed.length + 1);
  });

  it('takes a hotline in once an operator confirms it, by its membership or by a routing entry', () => {
    const byMembership = devFile();
    byMembership.hotlines = byMembership.hotlines.map((h) => (h.id === 'cybertip-ca' ? { ...h, membership: Membership.Member } : h));
    expect(hotlineIds(byMembership)).toContain('cybertip-ca');

    const byRouting = devFile();
    byRouting.routing = { ...byRouting.routing, CA: { hotline: 'cybertip-ca', note: 'confirmed by the operator' } };
    expect(hotlineIds(byRouting)).toContain('cybertip-ca');
  });
});

describe('ensureTenantConsumers with the directory', () => {
  it('makes no consumer for an unconfirmed hotline until it is confirmed', async () => {
    const file = devFile();
    await ensureTenantConsumers(bus, tenantsOf(parseDirectory(file)));
    expect(await consumerLag(bus, StreamName.Referrals, 'hotline-eco')).toBeDefined();
    expect(await consumerLag(bus, StreamName.Notices, 'hotline-fsm-notices')).toBeDefined();
    expect(await consumerLag(bus, StreamName.Notices, 'hotline-interpol-notices')).toBeDefined();
    for (const durable of ['hotline-cybertip-ca', 'hotline-cy-hotline']) expect(await consumerLag(bus, StreamName.Referrals, durable)).toBeUndefined();
    for (const durable of ['hotline-cybertip-ca-notices', 'hotline-cy-hotline-notices']) expect(await consumerLag(bus, StreamName.Notices, durable)).toBeUndefined();

    file.routing = { ...file.routing, CA: { hotline: 'cybertip-ca', note: 'confirmed by the operator' } };
    await ensureTenantConsumers(bus, tenantsOf(parseDirectory(file)));
    expect(await consumerLag(bus, StreamName.Referrals, 'hotline-cybertip-ca')).toBeDefined();
    expect(await consumerLag(bus, StreamName.Notices, 'hotline-cybertip-ca-notices')).toBeDefined();
    expect(await consumerLag(bus, StreamName.Notices, 'hotline-cy-hotline-notices')).toBeUndefined();
  });
});
