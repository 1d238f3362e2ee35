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
      const expected = [
        'relay_consumer_pending{stream="STATUS",consumer="lagging",service="gauges-test"} 3',
        'relay_stream_messages{stream="STATUS",service="gauges-test"} 3',
        'relay_stream_messages{stream="DLQ",service="gauges-test"} 0',
        'relay_consumer_ack_pending{stream="STATUS",consumer="lagging",service="gauges-test"} 0',
      ];
      // Each gauge is read by its own request: wait until every one has been (a busy machine answers them apart).
      const text = await waitFor(async () => {
        const t = await metrics.registry.metrics();
        return expected.every((line) => t.includes(line)) ? t : undefined;
      });
      stop();
      for (const line of expected) expect(text).toContain(line);
    } finally {
      await bus.close();
      await server.dispose();
    }
  });
});
