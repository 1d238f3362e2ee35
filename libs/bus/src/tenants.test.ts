import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { Audience, exampleMessage, NoticeKind, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  busConfigFromEnv,
  connectBus,
  consumerLag,
  ensureConsumer,
  ensureTenantConsumers,
  ensureTopology,
  publishMessage,
  pullDeliveries,
  tenantConsumers,
  type TenantList,
} from './index.js';

let server: NatsServer;
let bus: Bus;
beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'tenants-test'));
  await ensureTopology(bus, { replicas: 1 });
});
afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

const TENANTS: TenantList = {
  hotlines: [
    { id: 'eco', country: 'DE' },
    { id: 'fsm', country: 'DE' },
    { id: 'interpol', country: 'XX', fallback: true },
  ],
  policeCountries: ['DE'],
  authorityCountries: [],
};

async function publishCaseMoved(id: string, country: string, hotline: string, url: string): Promise<void> {
  const notice = { ...exampleMessage(RelayType.Notice), id, kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, audience: Audience.AUDIENCE_HOTLINE, country, hotline, url };
  await publishMessage(bus, subjects.notice(country, Audience.AUDIENCE_HOTLINE, notice.kind, hotline), RelayType.Notice, notice, {
    msgId: `dispatcher:${id}`,
    origin: 'dispatcher',
  });
}

/** Reads `n` notices from a tenant's notices consumer, acking each. */
async function readNotices(durable: string, n: number): Promise<{ id: string; url: string; subject: string }[]> {
  const deliveries = await pullDeliveries(bus, { stream: StreamName.Notices, durable, types: [RelayType.Notice] });
  const got: { id: string; url: string; subject: string }[] = [];
  for await (const d of deliveries) {
    got.push({ id: d.message.id, url: d.message.url, subject: d.subject });
    await d.ack();
    if (got.length === n) break;
  }
  await deliveries.close();
  return got;
}

describe('tenant notice consumers', () => {
  it('in a country with several hotlines, give each hotline only the notices addressed to it', async () => {
    // The consumer as the previous version made it: every DE hotline notice.
    await ensureConsumer(bus, { ...tenantConsumers.hotlineNotices('eco', 'DE'), filterSubject: 'relay.notice.DE.hotline.*' });
    await ensureTenantConsumers(bus, TENANTS);

    await publishCaseMoved('ntc_fsm', 'DE', 'fsm', 'https://fsm-only.example/a');
    await publishCaseMoved('ntc_eco', 'DE', 'eco', 'https://eco-only.example/b');
    await publishCaseMoved('ntc_interpol', 'CA', 'interpol', 'https://fallback.example/c');

    expect(await readNotices('hotline-eco-notices', 1)).toEqual([
      { id: 'ntc_eco', url: 'https://eco-only.example/b', subject: 'relay.notice.DE.hotline.eco.case-moved-out' },
    ]);
    // Nothing else is waiting for eco; fsm's notice is still there, unread, for fsm alone.
    await waitFor(async () => (await consumerLag(bus, StreamName.Notices, 'hotline-eco-notices'))?.ackPending === 0, { what: 'eco to settle' });
    expect(await consumerLag(bus, StreamName.Notices, 'hotline-eco-notices')).toMatchObject({ pending: 0, ackPending: 0 });
    expect(await consumerLag(bus, StreamName.Notices, 'hotline-fsm-notices')).toMatchObject({ pending: 1 });
    expect(await readNotices('hotline-fsm-notices', 1)).toEqual([
      { id: 'ntc_fsm', url: 'https://fsm-only.example/a', subject: 'relay.notice.DE.hotline.fsm.case-moved-out' },
    ]);
    // The fallback recipient reads its notices, whatever country they carry; the police none of these.
    expect((await readNotices('hotline-interpol-notices', 1)).map((n) => n.id)).toEqual(['ntc_interpol']);
    expect(await consumerLag(bus, StreamName.Notices, 'police-de')).toMatchObject({ pending: 0, ackPending: 0 });
  });

  it('pass over country-wide hotline notices stored before per-hotline addressing', async () => {
    await publishMessage(
      bus,
      'relay.notice.DE.hotline.case-moved-out',
      RelayType.Notice,
      { ...exampleMessage(RelayType.Notice), id: 'ntc_legacy', audience: Audience.AUDIENCE_HOTLINE, country: 'DE', hotline: 'fsm' },
      { msgId: 'dispatcher:ntc_legacy', origin: 'dispatcher' },
    );
    await ensureTenantConsumers(bus, TENANTS);
    for (const durable of ['hotline-eco-notices', 'hotline-fsm-notices', 'hotline-interpol-notices']) {
      expect(await consumerLag(bus, StreamName.Notices, durable)).toMatchObject({ pending: 0, ackPending: 0 });
    }
  });
});
