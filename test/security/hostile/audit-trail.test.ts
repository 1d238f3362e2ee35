// Issue 14, item 2: the audit trail is tamper-evident and its mirror is out of
// everyone's reach but break-glass. On a real nats-server running the
// generated accounts (provisioned as the admin identity), two operators audit
// at once with only their generated rights and `relay audit` finds the chain
// intact; no service, tenant, operator or admin may change AUDIT_MIRROR (the
// server's permissions error says so); an operator may write audit records
// only in its own name (decision 0112); and when break-glass cuts AUDIT to one
// record, `relay audit` run by an operator reports it from the mirror.
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nkeyAuthenticator, PermissionViolationError } from '@nats-io/transport-node';
import { type Bus, recordAudit } from '@relay/bus';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { type AuditRecord, decodeMessage, encodeMessage, exampleMessage, RelayType, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, relayAs as runAs } from '../../e2e/harness/cli.js';
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

async function relayAs(user: string, ...args: string[]): Promise<CliRun> {
  return runAs(accounts, server.url, user, args);
}

/** Publishes each `[subject, body]` as `name` on a raw connection and waits until the server has refused every one. */
async function refused(name: string, attempts: readonly (readonly [string, string | Uint8Array])[], what: string): Promise<void> {
  const u = accounts.user(name);
  const nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(u.seed)), inboxPrefix: u.inboxPrefix });
  const denied: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error' && s.error instanceof PermissionViolationError) denied.push(s.error.subject);
  })();
  for (const [subject, body] of attempts) nc.publish(subject, body);
  await waitFor(() => attempts.every(([subject]) => denied.includes(subject)), { what: `the server to refuse ${name} ${what}` });
  await nc.close();
}

/** The last record in AUDIT and where it is stored (read as break-glass). */
async function lastAudit(): Promise<{ seq: number; subject: string; record: AuditRecord } | undefined> {
  const u = accounts.user('break-glass');
  const nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(u.seed)), inboxPrefix: u.inboxPrefix });
  try {
    const m = await (await jetstreamManager(nc)).streams.getMessage(StreamName.Audit, { last_by_subj: 'relay.audit.>' });
    return m ? { seq: m.seq, subject: m.subject, record: decodeMessage(RelayType.AuditRecord, m.data) } : undefined;
  } finally {
    await nc.close();
  }
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
      ...[1, 2, 3].map((i) => recordAudit(alice, { actor: 'operator-alice', action: 'replay', target: `REFERRALS #${i}`, reason: 'hostile test' })),
      ...[1, 2, 3].map((i) => recordAudit(bob, { actor: 'operator-bob', action: 'dlq-redrive', target: `DLQ #${i}`, reason: 'hostile test' })),
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
    for (const name of ['gateway', 'locator', 'dispatcher', 'hotline-eokm', 'operator-alice', 'admin']) await refused(name, attempts, 'every change to the mirror');
    await mirrored();
    expect((await relayAs('operator-alice', 'audit')).code).toBe(0);
  });

  it('refuses an operator an audit record in anyone else’s name, and leaves AUDIT as it was', async () => {
    const before = await lastAudit();
    const body = encodeMessage(RelayType.AuditRecord, { ...exampleMessage(RelayType.AuditRecord), actor: 'operator-bob' });
    await refused(
      'operator-alice',
      ['operator-bob', 'dispatcher', 'gateway', 'break-glass', 'admin'].map((who): readonly [string, Uint8Array] => [`relay.audit.${who}.replay`, body]).concat([['relay.audit.replay', body]]),
      'audit records as anyone but itself',
    );
    // Through libs/bus too: the record for bob is refused, not stored under alice.
    const alice = await busAs('operator-alice');
    await expect(recordAudit(alice, { actor: 'operator-bob', action: 'replay', target: 'REFERRALS', reason: 'impersonation' })).rejects.toThrow();
    // And the CLI will not name anyone but the user it is connected as.
    const r = await relayAs('operator-alice', 'replay', '--stream', 'REPORTS', '--out', join(accounts.dir, 'impersonation.jsonl'), '--reason', 'impersonation', '--actor', 'operator-bob');
    expect(r.code).toBe(2);
    expect(r.err).toContain('you are connected as operator-alice');
    expect(await lastAudit()).toEqual(before);
  });

  it('records what the CLI does as an operator under that operator’s name, and relay audit finds every author bound', async () => {
    const before = await lastAudit();
    const r = await relayAs('operator-alice', 'replay', '--stream', 'REPORTS', '--out', join(accounts.dir, 'export.jsonl'), '--reason', 'export for the auditors', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const last = await lastAudit();
    expect(last?.seq).toBe((before?.seq ?? 0) + 1);
    expect(last).toMatchObject({ subject: 'relay.audit.operator-alice.replay', record: { actor: 'operator-alice', action: 'replay', reason: 'export for the auditors' } });
    await mirrored();
    const audit = await relayAs('operator-bob', 'audit', '--json');
    expect(audit.code).toBe(0);
    expect((JSON.parse(audit.out) as { auditTrail: unknown }).auditTrail).toMatchObject({ unbound: 0, breaks: [] });
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
    expect(r.out).toMatch(/^truncated\s+AUDIT\s+1-6\s+6 record\(s\) gone from the start of AUDIT before its max age; the mirror still holds them$/m);
    expect(r.err).toBe('relay: 1 break(s) in the audit trail\n');
  });
});
