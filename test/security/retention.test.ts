// Issue 16, item 5: the dispatcher's retention runs under the dispatcher's
// generated user (decision 0106) on a real nats-server with the generated
// accounts: it reads, archives and erases what is past the period and acked,
// and leaves what a tenant has not acked, with no permission refused.
import { type Bus, applyRetention, publishMessage, pullDeliveries, streamState, tenantConsumerSpecs, tenantConsumers } from '@relay/bus';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { Audience, exampleMessage, NoticeKind, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, type TestAccounts } from '../e2e/harness/accounts.js';

let accounts: TestAccounts;
let server: NatsServer;
const buses: Bus[] = [];
const busAs = async (name: string): Promise<Bus> => {
  const bus = await accounts.busAs(name, server.url);
  buses.push(bus);
  return bus;
};

beforeAll(async () => {
  accounts = await makeTestAccounts();
  server = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
  await provisionAsAdmin(accounts, server.url);
}, 60_000);

afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await server?.dispose();
  await accounts?.dispose();
});

describe('retention under the dispatcher’s generated user', () => {
  it('archives and erases what the tenants acked, keeps what they did not, and is refused nothing', async () => {
    const dispatcher = await busAs('dispatcher');
    const referral = exampleMessage(RelayType.Referral);
    await publishMessage(dispatcher, subjects.referral('NL', 'eokm'), RelayType.Referral, referral, { msgId: `dispatcher:${referral.id}`, origin: 'dispatcher' });
    const notice = exampleMessage(RelayType.Notice);
    await publishMessage(dispatcher, subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, notice, {
      msgId: `dispatcher:${notice.id}`,
      origin: 'dispatcher',
    });
    const eokm = await busAs('hotline-eokm');
    await publishMessage(eokm, subjects.status('eokm'), RelayType.StatusUpdate, exampleMessage(RelayType.StatusUpdate), { msgId: 'eokm:status-1', origin: 'eokm' });
    const deliveries = await pullDeliveries(eokm, { stream: StreamName.Referrals, durable: tenantConsumers.hotlineReferrals('eokm').durable, types: [RelayType.Referral] });
    for await (const d of deliveries) {
      await d.ack();
      break;
    }
    await deliveries.close();
    const last = Date.now();
    await waitFor(() => Date.now() > last + 1, { what: 'the clock to pass the last message' });

    const report = await applyRetention(dispatcher, { anonymiseAfterMs: 1, key: new TextEncoder().encode('k'.repeat(32)), readers: tenantConsumerSpecs(accounts.tenants) });
    expect(report).toEqual({
      referrals: 1,
      notices: 0,
      statuses: 1,
      skipped: 0,
      waiting: [{ stream: StreamName.Notices, consumer: 'police-nl', messages: 1, missing: false }],
    });
    expect((await streamState(dispatcher, StreamName.Referrals))?.messages).toBe(0);
    expect((await streamState(dispatcher, StreamName.Notices))?.messages).toBe(1);
    expect((await streamState(dispatcher, StreamName.Archive))?.messages).toBe(2);
  });
});
