import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { Audience, decodeMessage, exampleMessage, NoticeKind, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention, type Bus, busConfigFromEnv, connectBus, ensureTopology, publishMessage, readStream, streamState } from './index.js';

let server: NatsServer;
let bus: Bus;
beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'retention-test'));
  await ensureTopology(bus, { replicas: 1 });
});
afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

const KEY = new TextEncoder().encode('retention-key-for-tests-32-bytes');

describe('retention', () => {
  it('anonymises referrals and notices past the period into ARCHIVE, erases the originals, and keeps newer ones', async () => {
    for (const id of ['ref_old_1', 'ref_old_2']) {
      await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, { ...exampleMessage(RelayType.Referral), id }, { msgId: id, origin: 'dispatcher' });
    }
    await publishMessage(bus, subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, exampleMessage(RelayType.Notice), { msgId: 'ntc_old', origin: 'dispatcher' });
    // Stored times have nanoseconds, Dates milliseconds: put the cutoff strictly between old and new.
    const cutoff = new Date(Date.now() + 1);
    await waitFor(() => Date.now() > cutoff.getTime(), { what: 'the clock to pass the cutoff' });
    await publishMessage(bus, subjects.referral('DE', 'eco'), RelayType.Referral, { ...exampleMessage(RelayType.Referral), id: 'ref_new' }, { msgId: 'ref_new', origin: 'dispatcher' });

    // "now" is set so that everything published before the cutoff is past a 1 h period.
    const now = new Date(cutoff.getTime() + 60 * 60 * 1000);
    const first = await applyRetention(bus, { anonymiseAfterMs: 60 * 60 * 1000, key: KEY, now });
    expect(first).toEqual({ referrals: 2, notices: 1, skipped: 0 });
    const again = await applyRetention(bus, { anonymiseAfterMs: 60 * 60 * 1000, key: KEY, now });
    expect(again).toEqual({ referrals: 0, notices: 0, skipped: 0 });

    const live = [];
    for await (const m of readStream(bus, { stream: StreamName.Referrals })) live.push(decodeMessage(RelayType.Referral, m.data).id);
    expect(live).toEqual(['ref_new']);
    expect((await streamState(bus, StreamName.Notices))?.messages).toBe(0);

    const archived = [];
    for await (const m of readStream(bus, { stream: StreamName.Archive })) archived.push({ subject: m.subject, text: Buffer.from(m.data).toString('latin1') });
    expect(archived.map((a) => a.subject).sort()).toEqual(['relay.archive.notice.NL', 'relay.archive.referral.NL', 'relay.archive.referral.NL']);
    expect(archived.some((a) => a.text.includes('example.nl') || a.text.includes('185.107.56.1'))).toBe(false);
  });
});
