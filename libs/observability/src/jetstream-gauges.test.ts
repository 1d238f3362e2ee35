import { busConfigFromEnv, connectBus, ensureConsumer, ensureTopology, publishMessage } from '@relay/bus';
import { startNatsServer, waitFor } from '@relay/testkit';
import { exampleMessage, RelayType, StreamName, subjects } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { createMetrics, observeJetStream } from './index.js';

describe('observeJetStream', () => {
  it('exports a consumer backlog and a stream size for the dashboard', async () => {
    const server = await startNatsServer();
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'gauges-test'));
    try {
      await ensureTopology(bus, { replicas: 1 });
      await ensureConsumer(bus, { stream: StreamName.Status, durable: 'lagging', filterSubject: 'relay.status.>' });
      for (let i = 0; i < 3; i++) {
        await publishMessage(bus, subjects.status('eokm'), RelayType.StatusUpdate, exampleMessage(RelayType.StatusUpdate), { msgId: `g-${i}`, origin: 'eokm' });
      }
      const metrics = createMetrics('gauges-test');
      const stop = observeJetStream(bus, metrics, { consumers: [{ stream: StreamName.Status, durable: 'lagging' }], streams: [StreamName.Status, StreamName.Dlq], intervalMs: 50 });
      const text = await waitFor(async () => {
        const t = await metrics.registry.metrics();
        return t.includes('relay_consumer_pending{stream="STATUS",consumer="lagging",service="gauges-test"} 3') ? t : undefined;
      });
      stop();
      expect(text).toContain('relay_stream_messages{stream="STATUS",service="gauges-test"} 3');
      expect(text).toContain('relay_stream_messages{stream="DLQ",service="gauges-test"} 0');
      expect(text).toContain('relay_consumer_ack_pending{stream="STATUS",consumer="lagging",service="gauges-test"} 0');
    } finally {
      await bus.close();
      await server.dispose();
    }
  });
});
