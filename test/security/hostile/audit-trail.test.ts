// Issue 14, item 2: the audit trail is tamper-evident and its mirror is out of
// everyone's reach but break-glass. On a real nats-server running the
// generated accounts (provisioned as the admin identity), two operators audit
// at once with only their generated rights and `relay audit` finds the chain
// intact; no service, tenant, operator or admin may change AUDIT_MIRROR (the
// server's permissions error says so); and when break-glass cuts AUDIT to one
// record, `relay audit` run by an operator reports it from the mirror.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nkeyAuthenticator, PermissionViolationError } from '@nats-io/transport-node';
import { type Bus, recordAudit } from '@relay/bus';
import { runCli } from '@relay/cli';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, type TestAccounts } from '../../e2e/harness/accounts.js';

let accounts: TestAccounts;
let server: NatsServer;
const buses: Bus[] = [];

beforeAll(async () => {
  accounts = await makeTestAccounts({ operators: ['alice', 'bob'] });
  server = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
  await provisionAsAdmin(accounts, server.url);
}, 60_000);

afterAll(async () => {
  for (const b of buses) await b.close();
  await server?.dispose();
  await accounts?.dispose();
});

async function busAs(user: string): Promise<Bus> {
  const b = await accounts.busAs(user, server.url);
  buses.push(b);
  return b;
}

async function relayAs(user: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env: { ...accounts.envOf(user, server.url), NATS_CLIENT_NAME: user } });
  return { code, out, err };
}

/** Waits until the mirror holds everything AUDIT has had (read as break-glass). */
async function mirrored(): Promise<void> {
  const u = accounts.user('break-glass');
  const nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(u.seed)), inboxPrefix: u.inboxPrefix });
  try {
    const jsm = await jetstreamManager(nc);
    const audit = (await jsm.streams.info(StreamName.Audit)).state.last_seq;
    await waitFor(async () => (await jsm.streams.info(StreamName.AuditMirror)).state.last_seq === audit, { what: 'AUDIT_MIRROR to catch up' });
  } finally {
    await nc.close();
  }
}

describe('the audit trail under the generated accounts', () => {
  it('takes two operators auditing at once, each with only its own rights, and relay audit finds the chain intact', async () => {
    const [alice, bob] = await Promise.all([busAs('operator-alice'), busAs('operator-bob')]);
    await Promise.all([
      ...[1, 2, 3].map((i) => recordAudit(alice, { actor: 'alice', action: 'replay', target: `REFERRALS #${i}`, reason: 'hostile test' })),
      ...[1, 2, 3].map((i) => recordAudit(bob, { actor: 'bob', action: 'dlq-redrive', target: `DLQ #${i}`, reason: 'hostile test' })),
    ]);
    await mirrored();
    const r = await relayAs('operator-alice', 'audit', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { auditTrail: unknown }).auditTrail).toMatchObject({ records: 6, chained: 6, mirrorRecords: 6, breaks: [] });
  });

  it('refuses every user but break-glass any change to AUDIT_MIRROR', async () => {
    const attempts: [string, string][] = [
      [`$JS.API.STREAM.UPDATE.${StreamName.AuditMirror}`, JSON.stringify({ name: StreamName.AuditMirror, mirror: { name: StreamName.Audit }, max_msgs: 1 })],
      [`$JS.API.STREAM.PURGE.${StreamName.AuditMirror}`, '{}'],
      [`$JS.API.STREAM.DELETE.${StreamName.AuditMirror}`, ''],
      [`$JS.API.STREAM.MSG.DELETE.${StreamName.AuditMirror}`, JSON.stringify({ seq: 1 })],
    ];
    for (const name of ['gateway', 'locator', 'dispatcher', 'hotline-eokm', 'operator-alice', 'admin']) {
      const u = accounts.user(name);
      const nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(u.seed)), inboxPrefix: u.inboxPrefix });
      const refused: string[] = [];
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error' && s.error instanceof PermissionViolationError) refused.push(s.error.subject);
      })();
      for (const [subject, body] of attempts) nc.publish(subject, new TextEncoder().encode(body));
      await waitFor(() => attempts.every(([subject]) => refused.includes(subject)), { what: `the server to refuse ${name} every change to the mirror` });
      await nc.close();
    }
    await mirrored();
    expect((await relayAs('operator-alice', 'audit')).code).toBe(0);
  });

  it('shows AUDIT cut to one record by break-glass, from the mirror, to an operator running relay audit', async () => {
    const u = accounts.user('break-glass');
    const nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(u.seed)), inboxPrefix: u.inboxPrefix });
    const jsm = await jetstreamManager(nc);
    const config = (await jsm.streams.info(StreamName.Audit)).config;
    await jsm.streams.update(StreamName.Audit, { ...config, max_msgs: 1 });
    await jsm.streams.update(StreamName.Audit, { ...config, max_msgs: -1 });
    await nc.close();

    const r = await relayAs('operator-alice', 'audit');
    expect(r.code).toBe(6);
    expect(r.out).toMatch(/^truncated\s+AUDIT\s+1-5\s+5 record\(s\) gone from the start of AUDIT before its max age; the mirror still holds them$/m);
    expect(r.err).toBe('relay: 1 break(s) in the audit trail\n');
  });
});
