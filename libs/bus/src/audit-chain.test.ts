import { StorageType } from '@nats-io/jetstream';
import { createUser } from '@nats-io/nkeys';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { decodeMessage, exampleMessage, Header, RelayType, StreamName, subjects } from '@relay/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { internals } from './connection.js';
import {
  AUDIT_GENESIS_HASH,
  AuditBreakKind,
  auditLinkHash,
  type Bus,
  busConfigFromEnv,
  connectBus,
  ensureTopology,
  publishBytes,
  publishMessage,
  readStream,
  recordAudit,
  streamState,
  verifyAuditChain,
} from './index.js';

// Every scenario tampers with AUDIT itself, so each gets a server of its own.
const opened: { server: NatsServer; buses: Bus[] }[] = [];
afterEach(async () => {
  for (const { server, buses } of opened.splice(0)) {
    for (const b of buses) await b.close();
    await server.dispose();
  }
});

async function freshTrail(connections = 1): Promise<Bus[]> {
  const server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
  const buses: Bus[] = [];
  opened.push({ server, buses });
  for (let i = 0; i < connections; i++) buses.push(await connectBus(busConfigFromEnv({ NATS_URL: server.url }, `audit-chain-${i}`)));
  const [bus] = buses;
  if (!bus) throw new Error('no connection');
  await ensureTopology(bus, { replicas: 1 });
  return buses;
}

/** The subject of audit records before they named their author (decision 0112). */
const LEGACY_SUBJECT = 'relay.audit.replay';

async function readAll(bus: Bus): Promise<{ seq: number; subject: string; data: Uint8Array }[]> {
  const out = [];
  for await (const m of readStream(bus, { stream: StreamName.Audit })) out.push(m);
  return out;
}

async function audited(bus: Bus, n: number, actor = 'operator-alice'): Promise<void> {
  for (let i = 0; i < n; i++) await recordAudit(bus, { actor, action: 'replay', target: `REFERRALS #${i}`, reason: 'test' });
}

/** Waits until the mirror holds everything AUDIT has had. */
async function mirrored(bus: Bus): Promise<void> {
  const audit = await streamState(bus, StreamName.Audit);
  await waitFor(async () => (await streamState(bus, StreamName.AuditMirror))?.lastSeq === audit?.lastSeq, { what: 'AUDIT_MIRROR to catch up' });
}

/** What an admin can do to AUDIT's settings; a day-to-day identity may not (the permission model). */
async function asAdmin(bus: Bus, change: Record<string, unknown>): Promise<void> {
  const { jsm } = internals(bus);
  const info = await jsm.streams.info(StreamName.Audit);
  await jsm.streams.update(StreamName.Audit, { ...info.config, ...change });
}

describe('the audit hash chain', () => {
  it('hashes a record byte for byte as decision 0096 says, so another language can check it', () => {
    // Computed independently: SHA-256("relay-audit-chain-v1" 0x00 || u64be(7) || u32be(18) || "relay.audit.replay" || 0a 03 "aud").
    const data = new Uint8Array([0x0a, 0x03, ...new TextEncoder().encode('aud')]);
    expect(Buffer.from(auditLinkHash({ seq: 7, subject: 'relay.audit.replay', data })).toString('hex')).toBe('ab4070a652f41009e2a07e33eef2248b7c39586ef7392f66409ae7dff8c0b9f4');
  });

  it('links every record to the one stored before it, also when two operators write at once', async () => {
    const [alice, bob] = await freshTrail(2);
    if (!alice || !bob) throw new Error('no connection');
    await audited(alice, 2);
    await Promise.all([
      ...[1, 2, 3].map((i) => recordAudit(alice, { actor: 'operator-alice', action: 'reroute', target: `case ${i}`, reason: 'moved' })),
      ...[1, 2, 3].map((i) => recordAudit(bob, { actor: 'operator-bob', action: 'dlq-redrive', target: `DLQ #${i}`, reason: 'fixed' })),
    ]);

    const stored = [];
    for await (const m of readStream(alice, { stream: StreamName.Audit })) stored.push(m);
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const records = stored.map((m) => decodeMessage(RelayType.AuditRecord, m.data));
    expect(records.filter((r) => r.actor === 'operator-bob')).toHaveLength(3);
    expect(records[0]).toMatchObject({ prevSeq: 0n, prevHash: Buffer.from(AUDIT_GENESIS_HASH) });
    for (let i = 1; i < stored.length; i++) {
      const before = stored[i - 1];
      if (!before) throw new Error('unreachable');
      expect(records[i]?.prevSeq).toBe(BigInt(before.seq));
      expect(Buffer.from(records[i]?.prevHash ?? [])).toEqual(Buffer.from(auditLinkHash(before)));
    }

    await mirrored(alice);
    const report = await verifyAuditChain(alice);
    expect(report).toMatchObject({ records: 8, chained: 8, legacy: 0, firstSeq: 1, lastSeq: 8, mirrorRecords: 8, mirrorBehind: 0, breaks: [] });
    // The last link the report names is what the next record carries.
    await audited(bob, 1);
    const next = await internals(bob).jsm.streams.getMessage(StreamName.Audit, { seq: 9 });
    expect(Buffer.from(decodeMessage(RelayType.AuditRecord, next?.data ?? new Uint8Array()).prevHash).toString('hex')).toBe(report.lastLink);
  });

  it('reports records written before the chain as legacy, and chains the first new record to them', async () => {
    const [bus] = await freshTrail();
    if (!bus) throw new Error('no connection');
    // What recordAudit wrote before the chain: the same record, without prev_hash and prev_seq.
    const legacy = { ...exampleMessage(RelayType.AuditRecord), prevHash: Buffer.alloc(0), prevSeq: 0n };
    // On its subject of then, too, which named no author (decision 0112).
    await publishMessage(bus, LEGACY_SUBJECT, RelayType.AuditRecord, { ...legacy, id: 'aud_old1' }, { msgId: 'audit:aud_old1', origin: 'operator-alice' });
    await publishMessage(bus, LEGACY_SUBJECT, RelayType.AuditRecord, { ...legacy, id: 'aud_old2' }, { msgId: 'audit:aud_old2', origin: 'operator-alice' });
    await audited(bus, 2);

    await mirrored(bus);
    expect(await verifyAuditChain(bus)).toMatchObject({ records: 4, legacy: 2, unbound: 2, chained: 2, breaks: [] });
  });

  it('reports a record deleted from the middle of AUDIT, which the mirror still holds', async () => {
    // 2.9 refuses to lift deny_delete once set, so the deleting admin works on an AUDIT made without it.
    const server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'audit-chain-delete'));
    opened.push({ server, buses: [bus] });
    const { jsm } = internals(bus);
    await jsm.streams.add({ name: StreamName.Audit, subjects: ['relay.audit.>'], storage: StorageType.File, deny_delete: false });
    await jsm.streams.add({ name: StreamName.AuditMirror, mirror: { name: StreamName.Audit }, storage: StorageType.File, deny_delete: true, deny_purge: true });
    await audited(bus, 5);
    await mirrored(bus);
    expect(await jsm.streams.deleteMessage(StreamName.Audit, 3)).toBe(true);

    const report = await verifyAuditChain(bus);
    expect(report.records).toBe(4);
    expect(report.breaks.map((b) => [b.kind, b.stream, b.seq])).toEqual([
      [AuditBreakKind.Settings, StreamName.Audit, 0],
      [AuditBreakKind.Missing, StreamName.Audit, 3],
    ]);
    expect(report.breaks[0]?.detail).toContain('deletes allowed');
    expect(report.breaks[1]).toMatchObject({ inMirror: true });
  });

  it('reports a forged record, an unchained one and one that does not decode', async () => {
    const [bus] = await freshTrail();
    if (!bus) throw new Error('no connection');
    await audited(bus, 3);
    const forged = { ...exampleMessage(RelayType.AuditRecord), id: 'aud_forged', prevSeq: 3n, prevHash: Buffer.alloc(32, 7) };
    await publishMessage(bus, subjects.audit('operator-alice', 'replay'), RelayType.AuditRecord, forged, { msgId: 'audit:aud_forged', origin: 'mallory' });
    const unchained = { ...exampleMessage(RelayType.AuditRecord), id: 'aud_bare', prevHash: Buffer.alloc(0), prevSeq: 0n };
    await publishMessage(bus, subjects.audit('operator-alice', 'replay'), RelayType.AuditRecord, unchained, { msgId: 'audit:aud_bare', origin: 'mallory' });
    await publishBytes(bus, subjects.audit('operator-alice', 'replay'), new Uint8Array([0xff, 0xff, 0xff]), { msgId: 'audit:junk', origin: 'mallory', headers: { [Header.Type]: RelayType.AuditRecord } });
    // An honest record after them chains to what is stored: the chain goes on.
    await audited(bus, 1);

    await mirrored(bus);
    const report = await verifyAuditChain(bus);
    expect(report.breaks.map((b) => [b.kind, b.seq])).toEqual([
      [AuditBreakKind.HashMismatch, 4],
      [AuditBreakKind.Unchained, 5],
      [AuditBreakKind.Undecodable, 6],
    ]);
  });

  it('reports a record that claims another author than the user its subject names, and one that names none after records began to', async () => {
    const [bus] = await freshTrail();
    if (!bus) throw new Error('no connection');
    await audited(bus, 3);
    // Well linked, but the payload says bob while the subject, which only alice may publish on, says alice.
    const stored = await readAll(bus);
    const last = stored.at(-1);
    if (!last) throw new Error('no record');
    const impostor = { ...decodeMessage(RelayType.AuditRecord, last.data), id: 'aud_impostor', actor: 'operator-bob', prevSeq: BigInt(last.seq), prevHash: Buffer.from(auditLinkHash(last)) };
    await publishMessage(bus, subjects.audit('operator-alice', 'replay'), RelayType.AuditRecord, impostor, { msgId: 'audit:aud_impostor', origin: 'operator-alice' });
    const afterImpostor = (await readAll(bus)).at(-1);
    if (!afterImpostor) throw new Error('no record');
    const anonymous = { ...impostor, id: 'aud_anonymous', actor: 'operator-alice', prevSeq: BigInt(afterImpostor.seq), prevHash: Buffer.from(auditLinkHash(afterImpostor)) };
    await publishMessage(bus, LEGACY_SUBJECT, RelayType.AuditRecord, anonymous, { msgId: 'audit:aud_anonymous', origin: 'operator-alice' });

    await mirrored(bus);
    const report = await verifyAuditChain(bus);
    expect(report.breaks.map((b) => [b.kind, b.seq])).toEqual([
      [AuditBreakKind.ActorMismatch, 4],
      [AuditBreakKind.Unbound, 5],
    ]);
    expect(report.breaks[0]?.detail).toBe('relay.audit.operator-alice.replay: claims actor "operator-bob", but was written by operator-alice');
  });

  it('reports AUDIT truncated to one record, from the mirror, also after the limit is put back', async () => {
    const [bus] = await freshTrail();
    if (!bus) throw new Error('no connection');
    await audited(bus, 4);
    await mirrored(bus);
    await asAdmin(bus, { max_msgs: 1 });
    expect((await streamState(bus, StreamName.Audit))?.messages).toBe(1);

    const shrunk = await verifyAuditChain(bus);
    expect(shrunk.breaks.map((b) => [b.kind, b.stream, b.seq, b.toSeq])).toEqual([
      [AuditBreakKind.Settings, StreamName.Audit, 0, undefined],
      [AuditBreakKind.Truncated, StreamName.Audit, 1, 3],
    ]);
    expect(shrunk.breaks[0]?.detail).toContain('max_msgs 1');
    expect(shrunk.mirrorRecords).toBe(4);

    await asAdmin(bus, { max_msgs: -1 });
    const covered = await verifyAuditChain(bus);
    expect(covered.breaks).toEqual([expect.objectContaining({ kind: AuditBreakKind.Truncated, seq: 1, toSeq: 3, inMirror: true })]);
  });

  it('counts records AUDIT expired at its max age as aged out, not as truncated', async () => {
    const [bus] = await freshTrail();
    if (!bus) throw new Error('no connection');
    await audited(bus, 3);
    await mirrored(bus);
    await asAdmin(bus, { max_msgs: 1 });
    // Seen a day later by a verifier told that AUDIT keeps records for an hour.
    const report = await verifyAuditChain(bus, { retentionMs: 60 * 60 * 1000, now: new Date(Date.now() + 24 * 60 * 60 * 1000) });
    expect(report.agedOut).toBe(2);
    expect(report.breaks.map((b) => b.kind)).toEqual([AuditBreakKind.Settings]);
  });

  it('reports a mirror that is gone', async () => {
    const [bus] = await freshTrail();
    if (!bus) throw new Error('no connection');
    await audited(bus, 1);
    await internals(bus).jsm.streams.delete(StreamName.AuditMirror);
    const report = await verifyAuditChain(bus);
    expect(report.mirrorRecords).toBeUndefined();
    expect(report.breaks).toEqual([expect.objectContaining({ kind: AuditBreakKind.StreamMissing, stream: StreamName.AuditMirror })]);
  });
});

describe('the rights the audit trail needs', () => {
  it('lets an operator with only publish on relay.audit.> and MSG.GET on AUDIT write, and a reader with only info and consumers verify', async () => {
    // Exactly the subjects decision 0096 lists; anything more a user needs would fail here with a permissions error.
    const reader = ['AUDIT', 'AUDIT_MIRROR'].flatMap((s) => [`$JS.API.STREAM.INFO.${s}`, `$JS.API.CONSUMER.CREATE.${s}.>`, `$JS.API.CONSUMER.INFO.${s}.>`, `$JS.API.CONSUMER.MSG.NEXT.${s}.>`]);
    const keys = { admin: createUser(), operator: createUser(), verifier: createUser() };
    const server = await startNatsServer(
      {
        extraConfig: `authorization {
  users: [
    { nkey: ${keys.admin.getPublicKey()} }
    { nkey: ${keys.operator.getPublicKey()}, permissions: { publish: { allow: ["relay.audit.>", "$JS.API.STREAM.MSG.GET.AUDIT"] }, subscribe: { allow: ["_INBOX.>"] } } }
    { nkey: ${keys.verifier.getPublicKey()}, permissions: { publish: { allow: ${JSON.stringify(reader)} }, subscribe: { allow: ["_INBOX.>"] } } }
  ]
}`,
      },
      { ...process.env, NATS_URL: '' },
    );
    const buses: Bus[] = [];
    opened.push({ server, buses });
    const as = async (user: keyof typeof keys): Promise<Bus> => {
      const b = await connectBus({ ...busConfigFromEnv({ NATS_URL: server.url }, `audit-rights-${user}`), nkeySeed: keys[user].getSeed() });
      buses.push(b);
      return b;
    };
    const admin = await as('admin');
    await ensureTopology(admin, { replicas: 1 });
    const operator = await as('operator');
    await recordAudit(operator, { actor: 'operator-alice', action: 'replay', target: 'REFERRALS', reason: 'rights' });
    await recordAudit(operator, { actor: 'operator-alice', action: 'reroute', target: 'case_1', reason: 'rights' });
    await mirrored(admin);
    const report = await verifyAuditChain(await as('verifier'));
    expect(report).toMatchObject({ records: 2, chained: 2, mirrorRecords: 2, breaks: [] });
  });
});
