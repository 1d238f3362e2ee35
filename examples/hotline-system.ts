// A hotline system on Hotline Relay: submit a report, work the referrals routed
// to this hotline, read the notices addressed to it, and report progress in
// ICCAM's vocabulary.
//
//   RELAY_DEV=1 RELAY_DIRECTORY_KEY=<the key relay dev prints> RELAY_SIGNING_KEY_FILE=.relay/keys/eokm.nk \
//     RELAY_API_KEY=demo-eokm-237e4e35b7044668047a8c1f097f320e npx tsx examples/hotline-system.ts
//   NATS_URL=tls://relay.example:4222 NATS_CREDS=eokm.creds RELAY_SIGNING_KEY_FILE=eokm-signing.nk RELAY_DIRECTORY_KEY=O... HOTLINE=eokm ...
//
// RELAY_DIRECTORY_KEY is the relay operator's public directory key (several, comma-separated, while
// they rotate it): the client is not built without it (DirectoryKeyRequiredError). Statuses are
// signed with RELAY_SIGNING_KEY_FILE, a key the directory lists for this hotline.
import { busConfigFromEnv, connectBus } from '@relay/bus';
import { hotlineClient, isSubmitRefusedError } from '@relay/client';
import { StatusAction } from '@relay/wire';

const env: Record<string, string | undefined> = { NATS_URL: 'nats://127.0.0.1:4322', ...process.env };
const bus = await connectBus(busConfigFromEnv(env, 'example-hotline'));
const hotline = hotlineClient(bus, {
  hotline: env['HOTLINE'] ?? 'eokm',
  country: env['HOTLINE_COUNTRY'] ?? 'NL',
  ...(env['RELAY_API_KEY'] === undefined ? {} : { apiKey: env['RELAY_API_KEY'] }),
  createConsumer: env['RELAY_DEV'] === '1',
  // Every referral and notice is verified against the signer list the pinned directory key signed (the dev stack signs too).
  provenance: {
    directoryKey: env['RELAY_DIRECTORY_KEY']?.split(',') ?? [],
    onRefused: (r) => console.error(`refused ${r.subject} #${r.seq}: ${r.code}`),
  },
});

if (env['RELAY_API_KEY'] !== undefined) {
  try {
    const receipt = await hotline.submitReport({
      sourceReportId: `example-${Date.now()}`,
      incidentType: 'INCIDENT_TYPE_CHILD_PORNOGRAPHY',
      urls: ['http://images.example.nl/gallery/1'],
      hashes: [{ algorithm: 'HASH_ALGORITHM_MD5', value: 'nhB9nTcrtoJr2B01QqQZ1g==' }],
    });
    console.log(`stored as ${receipt.reportId} (${receipt.stream} #${receipt.seq})`);
  } catch (err) {
    // 4xx: fix the report (the problem names the field); 429/5xx: send it again later.
    if (isSubmitRefusedError(err)) console.error(err.message, err.problem.errors ?? '');
    else throw err;
  }
}

// Notices addressed to this hotline alone (relay.notice.<CC>.hotline.<id>.*): a case it had moved
// to another country or hoster, a CDN hides the origin, a report went to the fallback.
const notices = await hotline.notices();
const readingNotices = (async () => {
  for await (const delivery of notices) {
    const n = delivery.message;
    console.log(`notice ${n.id} about ${n.referralId}: ${n.summary}`);
    await delivery.ack();
  }
})();

// At least once: a referral comes back until acked, so handle it idempotently by id.
const referrals = await hotline.referrals();
process.once('SIGINT', () => {
  void referrals.close();
  void notices.close();
});
for await (const delivery of referrals) {
  const r = delivery.message;
  console.log(`${r.id}: ${r.url} hosted in ${r.jurisdiction} (AS${r.hosting?.asn} ${r.hosting?.asOrganisation}), reason ${r.reason}`);
  await hotline.publishStatus({
    id: `${r.id}:received`,
    referralId: r.id,
    caseId: r.caseId,
    action: StatusAction.STATUS_ACTION_RECEIVED,
    occurredAt: new Date(),
    note: '',
  });
  await delivery.ack();
}
await readingNotices;
await bus.close();
