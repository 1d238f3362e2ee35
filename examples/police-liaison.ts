// A police liaison on Hotline Relay: read the notices of one country.
//
//   RELAY_DEV=1 RELAY_DIRECTORY_KEY=<the key relay dev prints> COUNTRY=NL npx tsx examples/police-liaison.ts
//
// RELAY_DIRECTORY_KEY is the relay operator's public directory key (several, comma-separated, while
// they rotate it): the client is not built without it (DirectoryKeyRequiredError).
import { busConfigFromEnv, connectBus } from '@relay/bus';
import { policeClient } from '@relay/client';
import { NoticeKind } from '@relay/wire';

const env: Record<string, string | undefined> = { NATS_URL: 'nats://127.0.0.1:4322', ...process.env };
const bus = await connectBus(busConfigFromEnv(env, 'example-police'));
const notices = await policeClient(bus, {
  country: env['COUNTRY'] ?? 'NL',
  createConsumer: env['RELAY_DEV'] === '1',
  // Every notice is verified against the signer list the pinned directory key signed (the dev stack signs too).
  provenance: { directoryKey: env['RELAY_DIRECTORY_KEY']?.split(',') ?? [], onRefused: (r) => console.error(`refused ${r.subject} #${r.seq}: ${r.code}`) },
}).notices();
process.once('SIGINT', () => void notices.close());

for await (const delivery of notices) {
  const n = delivery.message;
  console.log(`${n.issuedAt?.toISOString()} ${NoticeKind[n.kind]} ${n.url}: ${n.summary}`);
  await delivery.ack();
}
await bus.close();
