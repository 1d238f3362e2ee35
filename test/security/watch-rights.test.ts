// The watch's NATS user (decision 0120), proved against a real nats-server running the generated
// accounts: it may publish relocation-wave notices and nothing else a tenant reads, and touch no
// consumer or bucket but its own. Every denial is the server's permissions-violation error.
import { connect, type NatsConnection, nkeyAuthenticator, PermissionViolationError } from '@nats-io/transport-node';
import { type Bus, publishMessage } from '@relay/bus';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { Audience, exampleMessage, NoticeKind, RelayType, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, type TestAccounts } from '../e2e/harness/accounts.js';

let accounts: TestAccounts;
let server: NatsServer;
let watch: Bus;
let nc: NatsConnection;
const violations: PermissionViolationError[] = [];

beforeAll(async () => {
  accounts = await makeTestAccounts();
  server = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
  await provisionAsAdmin(accounts, server.url);
  watch = await accounts.busAs('watch', server.url);
  const u = accounts.user('watch');
  nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(u.seed)), inboxPrefix: u.inboxPrefix });
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error' && s.error instanceof PermissionViolationError) violations.push(s.error);
  })();
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await watch?.close();
  await server?.dispose();
  await accounts?.dispose();
});

describe('the watch user', () => {
  it('publishes a relocation-wave notice to each audience', async () => {
    const base = { ...exampleMessage(RelayType.Notice), kind: NoticeKind.NOTICE_KIND_HOSTER_RELOCATED };
    const stored = [
      await publishMessage(watch, subjects.notice('NL', Audience.AUDIENCE_POLICE, base.kind), RelayType.Notice, { ...base, id: 'w-police' }, { msgId: 'watch:w-police', origin: 'watch' }),
      await publishMessage(watch, subjects.notice('NL', Audience.AUDIENCE_AUTHORITY, base.kind), RelayType.Notice, { ...base, id: 'w-atkm' }, { msgId: 'watch:w-atkm', origin: 'watch' }),
      await publishMessage(watch, subjects.notice('NL', Audience.AUDIENCE_HOTLINE, base.kind, 'eokm'), RelayType.Notice, { ...base, id: 'w-eokm' }, { msgId: 'watch:w-eokm', origin: 'watch' }),
    ];
    expect(stored.map((s) => s.stream)).toEqual(['NOTICES', 'NOTICES', 'NOTICES']);
  });

  it('may publish no other notice, referral, recheck or report, read no tenant consumer, write no case, change no stream, and subscribe nowhere', async () => {
    const publishes = [
      'relay.notice.NL.police.police-referral',
      'relay.notice.NL.police.case-moved-out',
      'relay.notice.NL.hotline.eokm.case-moved-out',
      'relay.notice.DE.hotline.eco.relocation-in',
      'relay.referral.DE.eco',
      'relay.recheck.NL',
      'relay.hosting.NL',
      'relay.report.ncmec',
      'relay.status.eokm',
      'relay.dlq.dispatcher',
      'relay.audit.watch.replay',
      '$KV.relay-cases.case_1',
      '$KV.relay-directory.directory',
      '$JS.API.STREAM.PURGE.NOTICES',
      '$JS.API.STREAM.DELETE.relay-waves',
      '$JS.API.STREAM.MSG.GET.REPORTS',
      '$JS.API.CONSUMER.MSG.NEXT.NOTICES.police-nl',
      '$JS.API.CONSUMER.CREATE.NOTICES.police-nl',
      '$JS.API.CONSUMER.DELETE.NOTICES.watch-notices',
    ];
    for (const subject of publishes) nc.publish(subject, new Uint8Array());
    await waitFor(() => publishes.every((subject) => violations.some((v) => v.operation === 'publish' && v.subject === subject)), { what: `${publishes.length} publishes to be denied` });
    for (const subject of ['relay.>', 'relay.notice.>', '>']) {
      const closed = await nc.subscribe(subject).closed;
      expect(closed, subject).toBeInstanceOf(PermissionViolationError);
    }
  });
});
