// Need to know in the web console is the broker's (decision 0135): the console serves a tenant's
// people only through `console-<tenant>`, whose reads the generated permissions fix. Proved
// here against a real nats-server running the generated accounts: a console user asking for
// another tenant's messages is refused by the server, whatever the console's code would do.
import { type Bus, followStream, publishMessage, type StoredMessage } from '@relay/bus';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { Audience, messageFromJson, NoticeKind, RelayType, StatusAction, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, type TestAccounts } from '../e2e/harness/accounts.js';

describe('console tenant users', () => {
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
    const dispatcher = await busAs('dispatcher');
    const notice = messageFromJson(RelayType.Notice, {
      id: 'n-nl-1',
      kind: 'NOTICE_KIND_POLICE_REFERRAL',
      audience: 'AUDIENCE_POLICE',
      country: 'NL',
      caseId: 'case-nl-1',
      url: 'http://images.example.nl/1',
      issuedAt: new Date().toISOString(),
    });
    await publishMessage(dispatcher, subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, notice, { msgId: 'dispatcher:n-nl-1', origin: 'dispatcher' });
    const referral = messageFromJson(RelayType.Referral, { id: 'r-nl-1', caseId: 'case-nl-1', url: 'http://images.example.nl/1', hotline: 'eokm', jurisdiction: 'NL' });
    await publishMessage(dispatcher, subjects.referral('NL', 'eokm'), RelayType.Referral, referral, { msgId: 'dispatcher:r-nl-1', origin: 'dispatcher' });
  });
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
    await server?.dispose();
    await accounts?.dispose();
  });

  const follow = async (bus: Bus, stream: StreamName, filterSubject: string): Promise<StoredMessage[]> => {
    const seen: StoredMessage[] = [];
    const f = await followStream(bus, { stream, filterSubject }, (m) => seen.push(m));
    try {
      await waitFor(() => seen.length > 0, { what: `a message on ${filterSubject}`, timeoutMs: 10_000 });
    } finally {
      await f.stop();
    }
    return seen;
  };

  it("reads its own tenant's messages live: police NL its notices, eokm its referrals", async () => {
    const nl = await follow(await busAs('console-police-nl'), StreamName.Notices, 'relay.notice.NL.police.*');
    expect(nl.map((m) => m.subject)).toEqual(['relay.notice.NL.police.police-referral']);
    const eokm = await follow(await busAs('console-hotline-eokm'), StreamName.Referrals, 'relay.referral.*.eokm');
    expect(eokm.map((m) => m.subject)).toEqual(['relay.referral.NL.eokm']);
  });

  it("is refused by the server when it asks for another tenant's messages, or for everything", async () => {
    const de = await busAs('console-police-de');
    await expect(followStream(de, { stream: StreamName.Notices, filterSubject: 'relay.notice.NL.police.*' }, () => undefined)).rejects.toThrow(/permission/i);
    await expect(followStream(de, { stream: StreamName.Notices }, () => undefined)).rejects.toThrow(/permission/i);
    const eco = await busAs('console-hotline-eco');
    await expect(followStream(eco, { stream: StreamName.Referrals, filterSubject: 'relay.referral.*.eokm' }, () => undefined)).rejects.toThrow(/permission/i);
    await expect(followStream(eco, { stream: StreamName.Referrals, filterSubject: 'relay.referral.>' }, () => undefined)).rejects.toThrow(/permission/i);
    expect(server.violations().some((v) => v.includes('console-police-de') || v.includes('CONSUMER.CREATE.NOTICES'))).toBe(true);
  });

  it("may publish its hotline's status updates, never another hotline's", async () => {
    const eco = await busAs('console-hotline-eco');
    const update = { id: 'u1', hotline: 'eokm', referralId: 'r-nl-1', caseId: 'case-nl-1', action: StatusAction.STATUS_ACTION_ISP, occurredAt: new Date(), note: '' };
    await expect(publishMessage(eco, subjects.status('eokm'), RelayType.StatusUpdate, update, { msgId: 'eokm:u1', origin: 'eokm', attempts: 1, timeoutMs: 2000 })).rejects.toThrow();
    const eokm = await busAs('console-hotline-eokm');
    const stored = await publishMessage(eokm, subjects.status('eokm'), RelayType.StatusUpdate, update, { msgId: 'eokm:u1', origin: 'eokm' });
    expect(stored.stream).toBe(StreamName.Status);
  });
});
