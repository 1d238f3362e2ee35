import { busConfigFromEnv, connectBus, ensureTopology, publishMessage } from '@relay/bus';
import { startNatsServer, waitFor } from '@relay/testkit';
import { exampleMessage, RelayType, subjects } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { createMetrics, startOpsServer } from './index.js';

describe('the ops endpoint', () => {
  it('is ready only when NATS is connected and the topology ensured, and counts publishes', async () => {
    const server = await startNatsServer();
    const metrics = createMetrics('ops-test');
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'ops-test'), { metrics: metrics.bus });
    let topology = false;
    const ops = await startOpsServer({ port: 0, registry: metrics.registry, checks: { nats: () => bus.isConnected(), topology: () => topology } });
    try {
      const before = await fetch(`http://127.0.0.1:${ops.port}/healthz`);
      expect(before.status).toBe(503);
      expect(await before.json()).toEqual({ status: 'unavailable', checks: { nats: true, topology: false } });

      await ensureTopology(bus, { replicas: 1 });
      topology = true;
      expect((await fetch(`http://127.0.0.1:${ops.port}/healthz`)).status).toBe(200);

      await publishMessage(bus, subjects.status('eokm'), RelayType.StatusUpdate, exampleMessage(RelayType.StatusUpdate), { msgId: 'm1', origin: 'eokm' });
      const text = await (await fetch(`http://127.0.0.1:${ops.port}/metrics`)).text();
      expect(text).toMatch(/relay_published_total\{root="relay.status",outcome="stored",service="ops-test"\} 1/);

      await server.kill();
      await waitFor(async () => (await fetch(`http://127.0.0.1:${ops.port}/healthz`)).status === 503, { what: '/healthz to report NATS down' });
    } finally {
      await ops.stop();
      await bus.close().catch(() => undefined);
      await server.dispose();
    }
  });
});
