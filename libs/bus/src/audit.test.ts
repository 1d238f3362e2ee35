import { type NatsServer, startNatsServer } from '@relay/testkit';
import { decodeMessage, RelayType, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internals } from './connection.js';
import { AuditReasonMissingError, type Bus, busConfigFromEnv, connectBus, ensureTopology, readStream, recordAudit } from './index.js';

let server: NatsServer;
let bus: Bus;
beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'audit-test'));
  await ensureTopology(bus, { replicas: 1 });
});
afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

describe('the audit trail', () => {
  it('stores who did what, when and why, and refuses an action without a reason', async () => {
    await recordAudit(bus, { actor: 'operator-alice', action: 'dlq-redrive', target: 'DLQ #12', reason: 'fixed the directory', details: { count: '1' } });
    await expect(recordAudit(bus, { actor: 'operator-alice', action: 'replay', target: 'REFERRALS', reason: '  ' })).rejects.toThrow(AuditReasonMissingError);

    const records = [];
    for await (const m of readStream(bus, { stream: StreamName.Audit })) records.push(decodeMessage(RelayType.AuditRecord, m.data));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ actor: 'operator-alice', action: 'dlq-redrive', target: 'DLQ #12', reason: 'fixed the directory', details: { count: '1' } });
  });

  it('cannot be purged or have records deleted, even by a user allowed to try', async () => {
    await recordAudit(bus, { actor: 'operator-bob', action: 'replay', target: 'REFERRALS', reason: 'test' });
    // White box: the refusal is the stream's own configuration (deny_purge, deny_delete).
    const { jsm } = internals(bus);
    await expect(jsm.streams.purge(StreamName.Audit)).rejects.toThrow(/purge not permitted|not permitted/i);
    await expect(jsm.streams.deleteMessage(StreamName.Audit, 1)).rejects.toThrow(/not permitted|denied/i);
  });
});
