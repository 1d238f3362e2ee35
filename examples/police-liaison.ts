// A police liaison on Hotline Relay: read the notices of one country.
//
//   COUNTRY=NL npx tsx examples/police-liaison.ts
import { busConfigFromEnv, connectBus } from '@relay/bus';
import { policeClient } from '@relay/client';
import { NoticeKind } from '@relay/wire';

const env: Record<string, string | undefined> = { NATS_URL: 'nats://127.0.0.1:4322', ...process.env };
const bus = await connectBus(busConfigFromEnv(env, 'example-police'));
const notices = await policeClient(bus, {
  country: env['COUNTRY'] ?? 'NL',
  createConsumer: env['RELAY_DEV'] === '1',
  // The development stack signs nothing; everywhere else every notice is verified.
  provenance: { verify: env['RELAY_DEV'] !== '1', onRefused: (r) => console.error(`refused ${r.subject} #${r.seq}: ${r.code}`) },
}).notices();
process.once('SIGINT', () => void notices.close());

for await (const delivery of notices) {
  const n = delivery.message;
  console.log(`${n.issuedAt?.toISOString()} ${NoticeKind[n.kind]} ${n.url}: ${n.summary}`);
  await delivery.ack();
}
await bus.close();
