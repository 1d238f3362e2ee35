import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import {
  Audience,
  decodeMessage,
  deriveId,
  exampleMessage,
  NoticeKind,
  type Notice,
  type Referral,
  RelayType,
  StatusAction,
  StreamName,
  subjects,
} from '@relay/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyRetention,
  type Bus,
  busConfigFromEnv,
  connectBus,
  ensureConsumer,
  ensureTopology,
  publishMessage,
  pullDeliveries,
  readStream,
  streamState,
  tenantConsumers,
} from './index.js';

let server: NatsServer;
let bus: Bus;
beforeEach(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'retention-test'));
  await ensureTopology(bus, { replicas: 1 });
});
afterEach(async () => {
  await bus?.close();
  await server?.dispose();
});

const KEY = new TextEncoder().encode('retention-key-for-tests-32-bytes');
const HOUR = 60 * 60 * 1000;

/** Waits until the clock has passed every message stored so far, and returns a `now` that puts them all an hour past a 1 h period. */
async function pastThePeriod(): Promise<Date> {
  // Stored times have nanoseconds, Dates milliseconds: put the cutoff strictly after the last message.
  const cutoff = new Date(Date.now() + 1);
  await waitFor(() => Date.now() > cutoff.getTime(), { what: 'the clock to pass the cutoff' });
  return new Date(cutoff.getTime() + HOUR);
}

async function archive(): Promise<{ subject: string; headers: Record<string, string>; data: Uint8Array }[]> {
  const out = [];
  for await (const m of readStream(bus, { stream: StreamName.Archive })) out.push({ subject: m.subject, headers: { ...m.headers }, data: m.data });
  return out;
}

async function referralIds(): Promise<string[]> {
  const ids = [];
  for await (const m of readStream(bus, { stream: StreamName.Referrals })) ids.push(decodeMessage(RelayType.Referral, m.data).id);
  return ids;
}

describe('retention', () => {
  it('anonymises referrals, notices and statuses past the period into ARCHIVE, erases the originals, and keeps newer ones', async () => {
    for (const id of ['ref_old_1', 'ref_old_2']) {
      await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, { ...exampleMessage(RelayType.Referral), id }, { msgId: id, origin: 'dispatcher' });
    }
    await publishMessage(bus, subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, exampleMessage(RelayType.Notice), { msgId: 'ntc_old', origin: 'dispatcher' });
    await publishMessage(bus, subjects.status('eokm'), RelayType.StatusUpdate, exampleMessage(RelayType.StatusUpdate), { msgId: 'eokm:st_old', origin: 'eokm' });
    const now = await pastThePeriod();
    await publishMessage(bus, subjects.referral('DE', 'eco'), RelayType.Referral, { ...exampleMessage(RelayType.Referral), id: 'ref_new' }, { msgId: 'ref_new', origin: 'dispatcher' });

    const first = await applyRetention(bus, { anonymiseAfterMs: HOUR, key: KEY, now });
    expect(first).toEqual({ referrals: 2, notices: 1, statuses: 1, skipped: 0, waiting: [] });
    const again = await applyRetention(bus, { anonymiseAfterMs: HOUR, key: KEY, now });
    expect(again).toEqual({ referrals: 0, notices: 0, statuses: 0, skipped: 0, waiting: [] });

    expect(await referralIds()).toEqual(['ref_new']);
    expect((await streamState(bus, StreamName.Notices))?.messages).toBe(0);
    expect((await streamState(bus, StreamName.Status))?.messages).toBe(0);
    expect((await archive()).map((a) => a.subject).sort()).toEqual([
      'relay.archive.notice.NL',
      'relay.archive.referral.NL',
      'relay.archive.referral.NL',
      'relay.archive.status.eokm',
    ]);
  });

  it('leaves nothing in ARCHIVE, payload or headers, that the URL, host, IP or any id computed from them without the key would match', async () => {
    const url = 'http://private-site.example.nl/gallery/7';
    const host = 'private-site.example.nl';
    const ip = '185.107.56.77';
    const sourceReportId = 'NCMEC-2026-777';
    // The ids as the gateway, locator and dispatcher derive them (libs/wire deriveId).
    const reportId = deriveId('rpt', 'ncmec', sourceReportId);
    const caseId = deriveId('case', url);
    const referralId = deriveId('ref', caseId, 0);
    const observationId = deriveId('obs', url, reportId);
    const noticeId = deriveId('ntc', caseId, referralId, 'routed', 'police-referral', 'police', 'NL', '');
    const example = exampleMessage(RelayType.Referral);
    const hosting = {
      ...example.hosting!,
      id: observationId,
      url,
      normalizedUrl: url,
      host,
      registrableDomain: 'example.nl',
      cnameChain: [`cdn.${host}`],
      addresses: [{ ...example.hosting!.addresses[0]!, ip }],
      cause: { cause: { $case: 'report' as const, value: { ...exampleMessage(RelayType.HostingObservation).cause!.cause!.value, reportId, sourceReportId } as never } },
    };
    const referral: Referral = { ...example, id: referralId, caseId, reportId, url, hosting, supersedes: deriveId('ref', caseId, 1) };
    const notice: Notice = { ...exampleMessage(RelayType.Notice), id: noticeId, referralId, caseId, url, hostingBefore: hosting, hostingAfter: hosting, summary: `moved: ${url}` };
    await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, referral, { msgId: `dispatcher:${referralId}`, origin: 'dispatcher' });
    await publishMessage(bus, subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, notice, { msgId: `dispatcher:${noticeId}`, origin: 'dispatcher' });
    const status = { ...exampleMessage(RelayType.StatusUpdate), referralId, caseId, note: `NTD sent for ${url}`, action: StatusAction.STATUS_ACTION_ISP };
    await publishMessage(bus, subjects.status('eokm'), RelayType.StatusUpdate, status, { msgId: `eokm:${referralId}:isp`, origin: 'eokm' });

    const report = await applyRetention(bus, { anonymiseAfterMs: HOUR, key: KEY, now: await pastThePeriod() });
    expect(report).toMatchObject({ referrals: 1, notices: 1, statuses: 1 });

    const archived = await archive();
    expect(archived).toHaveLength(3);
    const bytes = archived.map((a) => [a.subject, ...Object.entries(a.headers).flat(), Buffer.from(a.data).toString('latin1')].join('\n')).join('\n');
    const secrets = [url, host, 'example.nl', ip, sourceReportId, reportId, caseId, referralId, observationId, noticeId, deriveId('ref', caseId, 1)];
    // The hex of an id alone would match too: look for it without its prefix.
    for (const secret of [...secrets, ...secrets.filter((s) => s.includes('_')).map((s) => s.slice(s.indexOf('_') + 1))]) expect(bytes).not.toContain(secret);
    // Still joinable: the notice and the status name the archived referral by its token.
    const r = decodeMessage(RelayType.Referral, archived.find((a) => a.subject.startsWith('relay.archive.referral.'))!.data);
    const n = decodeMessage(RelayType.Notice, archived.find((a) => a.subject.startsWith('relay.archive.notice.'))!.data);
    const s = decodeMessage(RelayType.StatusUpdate, archived.find((a) => a.subject.startsWith('relay.archive.status.'))!.data);
    expect([n.referralId, s.referralId]).toEqual([r.id, r.id]);
    expect(n.caseId).toBe(r.caseId);
  });

  it('never erases a referral or notice a tenant has not acknowledged: it waits, says for whom, and erases it in the run after the ack', async () => {
    const eokm = tenantConsumers.hotlineReferrals('eokm');
    const police = tenantConsumers.policeNotices('NL');
    await ensureConsumer(bus, eokm);
    await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, { ...exampleMessage(RelayType.Referral), id: 'ref_unacked' }, { msgId: 'ref_unacked', origin: 'dispatcher' });
    // Nobody reads this one: no consumer selects it.
    await publishMessage(bus, subjects.referral('DE', 'eco'), RelayType.Referral, { ...exampleMessage(RelayType.Referral), id: 'ref_unread', jurisdiction: 'DE', hotline: 'eco' }, { msgId: 'ref_unread', origin: 'dispatcher' });
    await publishMessage(bus, subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, exampleMessage(RelayType.Notice), { msgId: 'ntc_police', origin: 'dispatcher' });
    const now = await pastThePeriod();
    // The directory names the Dutch police, but `relay topology apply` has not made its consumer yet.
    const options = { anonymiseAfterMs: HOUR, key: KEY, now, readers: [eokm, police] };

    const waiting = await applyRetention(bus, options);
    expect(waiting).toEqual({
      referrals: 1,
      notices: 0,
      statuses: 0,
      skipped: 0,
      waiting: [
        { stream: StreamName.Referrals, consumer: 'hotline-eokm', messages: 1, missing: false },
        { stream: StreamName.Notices, consumer: 'police-nl', messages: 1, missing: true },
      ],
    });
    expect(await referralIds()).toEqual(['ref_unacked']);
    expect((await streamState(bus, StreamName.Notices))?.messages).toBe(1);
    expect((await archive()).map((a) => a.subject)).toEqual(['relay.archive.referral.DE']);

    const deliveries = await pullDeliveries(bus, { stream: StreamName.Referrals, durable: eokm.durable, types: [RelayType.Referral] });
    for await (const d of deliveries) {
      expect(d.message.id).toBe('ref_unacked');
      await d.ack();
      break;
    }
    await deliveries.close();

    const after = await applyRetention(bus, options);
    expect(after).toMatchObject({ referrals: 1, waiting: [{ stream: StreamName.Notices, consumer: 'police-nl', messages: 1, missing: true }] });
    expect(await referralIds()).toEqual([]);
    expect((await archive()).map((a) => a.subject)).toEqual(['relay.archive.referral.DE', 'relay.archive.referral.NL']);
  });
});
