import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { exampleMessage, Header, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, busConfigFromEnv, connectBus, consumerLag, ensureTopology, publishBytes, publishMessage, pullDeliveries } from './index.js';

let server: NatsServer;
let bus: Bus;
beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'pull-test'));
  await ensureTopology(bus, { replicas: 1 });
});
afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

describe('pullDeliveries', () => {
  it('terminates refused messages and those the receiver terminates, on nats-server 2.9 too', async () => {
    const subject = subjects.referral('NL', 'eokm');
    await publishBytes(bus, subject, new Uint8Array([1]), { msgId: 'pull:bad', origin: 'test', headers: { [Header.Type]: 'relay.v1.Nope' } });
    await publishMessage(bus, subject, RelayType.Referral, exampleMessage(RelayType.Referral), { msgId: 'pull:good', origin: 'test' });
    const refused: number[] = [];
    const deliveries = await pullDeliveries(bus, {
      stream: StreamName.Referrals,
      durable: 'pull-term',
      types: [RelayType.Referral],
      create: { filterSubject: subject, ackWaitMs: 60_000 },
      onRefused: (_err, _subject, seq) => refused.push(seq),
    });
    for await (const d of deliveries) {
      d.term('not for us');
      break;
    }
    await deliveries.close();
    expect(refused).toEqual([1]);
    // Neither is left pending to come back after the ack wait.
    await waitFor(async () => (await consumerLag(bus, StreamName.Referrals, 'pull-term'))?.ackPending === 0, { what: 'both messages to be terminated' });
  });
});
