import { type Bus, busConfigFromEnv, connectBus, ensureTopology, publishMessage, readStream, serveRequests } from '@relay/bus';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { Audience, encodeIntakeReply, exampleMessage, Header, NoticeKind, RelayType, StatusAction, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hotlineClient, isConsumerMissingError, policeClient, ReportFormat, submitReport } from './index.js';

let server: NatsServer;
let bus: Bus;
// These tests are about delivery: their publisher does not sign (provenance.test.ts covers verification).
const unverified = { verify: false } as const;

beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'client-test'));
  await ensureTopology(bus, { replicas: 1 });
});
afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

const referral = (id: string, country: string, hotline: string) => ({ ...exampleMessage(RelayType.Referral), id, jurisdiction: country, hotline });
const publishReferral = (id: string, country: string, hotline: string) =>
  publishMessage(bus, subjects.referral(country, hotline), RelayType.Referral, referral(id, country, hotline), { msgId: `dispatcher:${id}`, origin: 'dispatcher' });
const notice = (id: string, country: string, audience: Audience, hotline = '') => ({ ...exampleMessage(RelayType.Notice), id, country, audience, hotline });
const publishNotice = (id: string, country: string, audience: Audience) =>
  publishMessage(bus, subjects.notice(country, audience, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, notice(id, country, audience), {
    msgId: `dispatcher:${id}`,
    origin: 'dispatcher',
  });
const publishHotlineNotice = (id: string, country: string, hotline: string) =>
  publishMessage(
    bus,
    subjects.notice(country, Audience.AUDIENCE_HOTLINE, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, hotline),
    RelayType.Notice,
    { ...notice(id, country, Audience.AUDIENCE_HOTLINE, hotline), kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT },
    { msgId: `dispatcher:${id}`, origin: 'dispatcher' },
  );

describe('the hotline client', () => {
  it('delivers only this hotline referrals, and redelivers one that was not acked', async () => {
    await publishReferral('ref_a', 'NL', 'eokm');
    await publishReferral('ref_other', 'GB', 'iwf');
    await publishReferral('ref_b', 'US', 'eokm');

    const eokm = hotlineClient(bus, { hotline: 'eokm', country: 'NL', createConsumer: true, provenance: unverified });
    const first = await eokm.referrals();
    const seen: string[] = [];
    for await (const d of first) {
      seen.push(`${d.message.id}#${d.deliveryCount}`);
      if (d.message.id === 'ref_a') await d.ack();
      else d.nak();
      if (seen.length === 3) break;
    }
    await first.close();
    expect(seen).toEqual(['ref_a#1', 'ref_b#1', 'ref_b#2']);
  });

  it('publishes a status once per update id', async () => {
    const eokm = hotlineClient(bus, { hotline: 'eokm', country: 'NL', provenance: unverified });
    const update = { id: 'st-1', referralId: 'ref_a', caseId: 'case_x', action: StatusAction.STATUS_ACTION_ISP, occurredAt: new Date(), note: '' };
    const a = await eokm.publishStatus(update);
    const b = await eokm.publishStatus(update);
    expect(b).toEqual({ ...a, duplicate: true });
    const stored = [];
    for await (const m of readStream(bus, { stream: StreamName.Status, filterSubject: subjects.status('eokm') })) stored.push(m);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.headers['Relay-Origin']).toBe('eokm');
  });

  it('delivers only the notices addressed to this hotline, not those of the other hotlines of its country', async () => {
    await publishHotlineNotice('ntc_eco_1', 'DE', 'eco');
    await publishHotlineNotice('ntc_fsm', 'DE', 'fsm');
    await publishHotlineNotice('ntc_eco_2', 'DE', 'eco');

    const read = async (hotline: string, n: number): Promise<string[]> => {
      const notices = await hotlineClient(bus, { hotline, country: 'DE', createConsumer: true, provenance: unverified }).notices();
      const ids: string[] = [];
      for await (const d of notices) {
        ids.push(d.message.id);
        await d.ack();
        if (ids.length === n) break;
      }
      await notices.close();
      return ids;
    };
    expect(await read('eco', 2)).toEqual(['ntc_eco_1', 'ntc_eco_2']);
    expect(await read('fsm', 1)).toEqual(['ntc_fsm']);
  });

  it('says what to do when its consumer does not exist', async () => {
    const err: unknown = await hotlineClient(bus, { hotline: 'nobody', country: 'NL', provenance: unverified })
      .referrals()
      .catch((e: unknown) => e);
    expect(isConsumerMissingError(err)).toBe(true);
    expect((err as Error).message).toMatch(/hotline-nobody.*operator/);
  });
});

describe('the police client', () => {
  it('reads only police notices of its own country', async () => {
    await publishNotice('ntc_nl_police', 'NL', Audience.AUDIENCE_POLICE);
    await publishNotice('ntc_de_police', 'DE', Audience.AUDIENCE_POLICE);
    await publishHotlineNotice('ntc_nl_hotline', 'NL', 'eokm');
    await publishNotice('ntc_nl_police_2', 'NL', Audience.AUDIENCE_POLICE);

    const notices = await policeClient(bus, { country: 'NL', createConsumer: true, provenance: unverified }).notices();
    const ids: string[] = [];
    for await (const d of notices) {
      ids.push(d.message.id);
      await d.ack();
      if (ids.length === 2) break;
    }
    await notices.close();
    expect(ids).toEqual(['ntc_nl_police', 'ntc_nl_police_2']);
  });
});

describe('submitReport', () => {
  it('sends the source report id outside the body as Relay-Source-Report-Id, and no such header without one', async () => {
    const seen: (string | undefined)[] = [];
    const responder = serveRequests(bus, subjects.intakeSubmit(), 'client-test', (request) => {
      seen.push(request.headers[Header.SourceReportId]);
      return Promise.resolve(encodeIntakeReply({ status: 202, receipt: { reportId: 'rpt_x', source: 'ncmec', sourceReportId: '171000123', stream: 'REPORTS', seq: 1, dropped: [] } }));
    });
    try {
      await submitReport(bus, 'key', '<report/>', ReportFormat.CyberTipline, { sourceReportId: '171000123' });
      await submitReport(bus, 'key', { sourceReportId: 'a', urls: ['https://example.org/'] });
      expect(seen).toEqual(['171000123', undefined]);
    } finally {
      await responder.stop();
    }
  });
});
