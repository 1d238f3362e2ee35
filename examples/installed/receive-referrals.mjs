// A hotline system receiving its referrals with the packed @relay/client, in a project of its own
// outside the relay's repository (docs/integration.md, "NATS client"). Plain JavaScript: no build.
//
//   npm install ./relay-wire-0.1.0.tgz ./relay-bus-0.1.0.tgz ./relay-directory-0.1.0.tgz ./relay-client-0.1.0.tgz
//   NATS_URL=nats://127.0.0.1:4322 RELAY_DIRECTORY_KEY=<the key relay dev prints> HOTLINE=eokm HOTLINE_COUNTRY=NL \
//     RELAY_SIGNING_KEY_FILE=.relay/keys/eokm.nk RELAY_DEV=1 node receive-referrals.mjs
//
// Production adds the hotline's login (NATS_NKEY_SEED_FILE or NATS_CREDS, NATS_INBOX_PREFIX) and TLS
// settings, all read by busConfigFromEnv. Every referral handed over has been verified: signed by the
// relay's dispatcher with a key of the signer list that RELAY_DIRECTORY_KEY signed, on this hotline's
// own subject. Each one is printed as a JSON line, acknowledged with a RECEIVED status (when
// RELAY_SIGNING_KEY_FILE names the hotline's signing key), then acked. RELAY_EXAMPLE_COUNT=n stops
// after n referrals.
import { busConfigFromEnv, connectBus } from '@relay/bus';
import { hotlineClient } from '@relay/client';
import { StatusAction } from '@relay/wire';

const env = { NATS_URL: 'nats://127.0.0.1:4322', ...process.env };
const limit = env.RELAY_EXAMPLE_COUNT === undefined ? Infinity : Number(env.RELAY_EXAMPLE_COUNT);
const bus = await connectBus(busConfigFromEnv(env, 'hotline-example'));
const hotline = hotlineClient(bus, {
  hotline: env.HOTLINE ?? 'eokm',
  country: env.HOTLINE_COUNTRY ?? 'NL',
  createConsumer: env.RELAY_DEV === '1',
  provenance: {
    directoryKey: env.RELAY_DIRECTORY_KEY?.split(',') ?? [],
    // A forgery is never handed over; it is terminated and reported here.
    onRefused: (r) => console.error(`refused ${r.subject} #${r.seq}: ${r.code}`),
  },
});

const referrals = await hotline.referrals();
process.once('SIGINT', () => void referrals.close());
let received = 0;
for await (const delivery of referrals) {
  const r = delivery.message;
  // At least once: the same referral id may come again (after a crash before the ack); process idempotently.
  console.log(JSON.stringify({ referralId: r.id, caseId: r.caseId, hotline: r.hotline, url: r.url, jurisdiction: r.jurisdiction, asn: r.hosting?.asn }));
  if (env.RELAY_SIGNING_KEY_FILE !== undefined) {
    await hotline.publishStatus({ id: `${r.id}:received`, referralId: r.id, caseId: r.caseId, action: StatusAction.STATUS_ACTION_RECEIVED, occurredAt: new Date(), note: '' });
  }
  await delivery.ack();
  if (++received >= limit) break;
}
await referrals.close();
await bus.close();
