import { errors, headers } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { exampleMessage, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internals } from './connection.js';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, publishMessage } from './index.js';
import { cheapRequestCancel } from './request-cancel.js';
import { coalesceWrites } from './write-coalescing.js';

let server: NatsServer;
let bus: Bus;

beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'tuning-test'));
  await ensureTopology(bus, { replicas: 1 });
});
afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

describe('the nats.js client tuning (decision 0080)', () => {
  it('finds the nats.js internals it relies on, so an upgrade that moves them fails here rather than silently slowing every service', async () => {
    const nc = await connect({ servers: server.url });
    try {
      expect(coalesceWrites(nc)).toBe(true);
      expect(cheapRequestCancel()).toBe(true);
    } finally {
      await nc.close();
    }
  });

  it('stores every one of a thousand publishes issued in one turn (past the 32 KiB write limit), in order', async () => {
    const id = Math.random().toString(36).slice(2, 8);
    const base = exampleMessage(RelayType.HostingObservation);
    const stored = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        publishMessage(bus, subjects.hosting('NL'), RelayType.HostingObservation, { ...base, id: `obs_${id}_${i}` }, { msgId: `test:${id}:${i}`, origin: 'test' }),
      ),
    );
    expect(stored.every((s) => !s.duplicate && s.stream === StreamName.Hosting)).toBe(true);
    const seqs = stored.map((s) => s.seq);
    expect(new Set(seqs).size).toBe(1000);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('still fails a request nobody answers and one that times out', async () => {
    const { nc } = internals(bus);
    const id = Math.random().toString(36).slice(2, 8);
    await expect(nc.request(`test.${id}.nobody`, new Uint8Array(), { timeout: 2_000 })).rejects.toSatisfy(
      (err: unknown) => err instanceof errors.RequestError && err.isNoResponders(),
    );
    const silent = nc.subscribe(`test.${id}.silent`);
    try {
      await expect(nc.request(`test.${id}.silent`, new Uint8Array(), { timeout: 200 })).rejects.toBeInstanceOf(errors.TimeoutError);
    } finally {
      silent.unsubscribe();
    }
  });

  it('delivers what was published just before the connection is drained', async () => {
    const id = Math.random().toString(36).slice(2, 8);
    const { nc } = internals(bus);
    const got: string[] = [];
    const sub = nc.subscribe(`test.${id}.last`, {
      callback: (_err, m) => {
        got.push(m.headers?.get('n') ?? '');
      },
    });
    await nc.flush();
    const other = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'tuning-test-drain'));
    const h = headers();
    h.set('n', 'last');
    internals(other).nc.publish(`test.${id}.last`, new Uint8Array(), { headers: h });
    await other.close();
    await waitFor(() => got.length === 1, { what: 'the message published before drain' });
    sub.unsubscribe();
    expect(got).toEqual(['last']);
  });
});
