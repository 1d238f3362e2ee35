// A consumer process that handles one message and then hangs before acking,
// so the test can SIGKILL it between handling and ack.
import { busConfigFromEnv, connectBus, runConsumer } from '@relay/bus';
import { RelayType, StreamName } from '@relay/wire';

const bus = await connectBus(busConfigFromEnv(process.env, 'crash-fixture'));
await runConsumer(
  bus,
  {
    stream: StreamName.Status,
    durable: 'crash-test',
    filterSubject: 'relay.status.>',
    types: [RelayType.StatusUpdate],
    service: 'crash-test',
    ackWaitMs: 1_000,
  },
  async (m) => {
    process.stdout.write(`handled ${m.message.id} delivery ${m.deliveryCount}\n`);
    await new Promise(() => undefined);
  },
);
