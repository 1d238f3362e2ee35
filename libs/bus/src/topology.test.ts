import { type NatsServer, startNatsServer } from '@relay/testkit';
import { KvBucket, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internals } from './connection.js';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, PERSONAL_DATA_MAX_AGE_MS } from './index.js';

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

describe('the retention policy of every stream and bucket that keeps URLs, IPs or reporters’ contacts (decision 0107)', () => {
  it('is applied on the server: each expires within the personal-data limit, or is anonymised by retention with a backstop', async () => {
    const { jsm } = internals(bus);
    await ensureTopology(bus, { replicas: 1 });
    const days = async (stream: string): Promise<number> => (await jsm.streams.info(stream)).config.max_age / 1e6 / (24 * 60 * 60 * 1000);
    const limit = PERSONAL_DATA_MAX_AGE_MS / (24 * 60 * 60 * 1000);
    expect(limit).toBe(90);
    // 0 would be "for ever".
    for (const stream of [StreamName.Reports, StreamName.Hosting, StreamName.Dlq, StreamName.Rechecks, `KV_${KvBucket.HostingHistory}`]) {
      const age = await days(stream);
      expect(age, stream).toBeGreaterThan(0);
      expect(age, stream).toBeLessThanOrEqual(limit);
    }
    // Anonymised into ARCHIVE after the period; the max age is the backstop for what a tenant never acks.
    for (const stream of [StreamName.Referrals, StreamName.Notices, StreamName.Status]) expect(await days(stream)).toBe(365);
  });
});
