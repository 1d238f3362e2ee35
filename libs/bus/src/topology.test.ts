import { type NatsServer, startNatsServer } from '@relay/testkit';
import { KvBucket, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internals } from './connection.js';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology } from './index.js';

let server: NatsServer;
let bus: Bus;

beforeAll(async () => {
  // A server of its own even when NATS_URL is set: the first run must find nothing.
  server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'topology-test'));
});
afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

describe('ensureTopology', () => {
  it('creates every stream and bucket on an empty server, then changes only what differs', async () => {
    const everything = [...Object.values(StreamName), ...Object.values(KvBucket)].sort();
    const first = await ensureTopology(bus, { replicas: 1 });
    expect(Object.keys(first).sort()).toEqual(everything);
    expect(Object.values(first).every((r) => r === 'created')).toBe(true);

    const second = await ensureTopology(bus, { replicas: 1, maxAgeMs: { [StreamName.Rechecks]: 60 * 60 * 1000 } });
    expect(second[StreamName.Rechecks]).toBe('updated');
    expect(Object.entries(second).filter(([, r]) => r !== 'unchanged')).toEqual([[StreamName.Rechecks, 'updated']]);
  });

  it('creates AUDIT_MIRROR as an undeletable mirror of AUDIT, and never changes it afterwards', async () => {
    const { jsm } = internals(bus);
    const made = (await jsm.streams.info(StreamName.AuditMirror)).config;
    expect(made).toMatchObject({ mirror: { name: StreamName.Audit }, deny_delete: true, deny_purge: true, max_msgs: -1, max_bytes: -1 });
    expect(made.max_age).toBeGreaterThan((await jsm.streams.info(StreamName.Audit)).config.max_age);

    // Changing it is the admin's business: a service that runs ensureTopology needs no right on it but STREAM.INFO.
    const again = await ensureTopology(bus, { replicas: 1, maxAgeMs: { [StreamName.AuditMirror]: 60 * 60 * 1000 } });
    expect(again[StreamName.AuditMirror]).toBe('unchanged');
    expect((await jsm.streams.info(StreamName.AuditMirror)).config.max_age).toBe(made.max_age);
  });
});
