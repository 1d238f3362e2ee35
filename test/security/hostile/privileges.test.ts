// Issue 14, attacks 1 and 2, carried out as a tenant (and a compromised
// service or operator) would, against the generated accounts on a real
// nats-server with every service running as its own generated user. Each
// denial is asserted from the server's permissions error and from the broker's
// unchanged state, never from a client-side check.
import { hotlineClient } from '@relay/client';
import { headers as natsHeaders, PermissionViolationError } from '@nats-io/transport-node';
import { waitFor } from '@relay/testkit';
import { type Referral, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Inbox, inbox } from '../../e2e/harness/collect.js';
import { DEMO_KEYS, counterValue } from '../../e2e/harness/pipeline.js';
import { type HostileStack, startHostileStack, unchangedView } from './stack.js';

let stack: HostileStack;
let eokm: Inbox<Referral>;

const NATIVE = (id: string, url = 'http://images.example.nl/gallery/1'): string => JSON.stringify({ sourceReportId: id, urls: [url] });

/** Submits over HTTP as IWF and waits until eokm holds the referral. */
async function referred(id: string): Promise<Referral> {
  const res = await fetch(`${stack.gatewayUrl}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_KEYS.iwf}`, 'content-type': 'application/json' },
    body: NATIVE(id),
  });
  expect(res.status).toBe(202);
  const reportId = ((await res.json()) as { reportId: string }).reportId;
  return (await eokm.next((r) => r.message.reportId === reportId, `the referral of ${id}`)).message;
}

beforeAll(async () => {
  stack = await startHostileStack();
  eokm = inbox(await (await stack.hotline('eokm', 'NL')).referrals());
  await referred('IWF-HOSTILE-SEED');
}, 120_000);

afterAll(async () => {
  await eokm?.close();
  await stack?.stop();
});

describe('the services under their generated users', () => {
  it('route a report end to end without a single permissions violation', () => {
    // Least privilege must not cost function: the seed path above ran as gateway, locator and dispatcher.
    expect(stack.violations()).toEqual([]);
  });
});

describe('a hotline steering the gateway’s reply (attack 1)', () => {
  const targets = [
    { reply: '$JS.API.STREAM.PURGE.HOSTING', body: '{}' },
    { reply: `$JS.API.STREAM.MSG.DELETE.${StreamName.Referrals}`, body: JSON.stringify({ seq: 1 }) },
    { reply: '$KV.relay-cases.c_hostile', body: '{}' },
    { reply: '$KV.relay-directory.current', body: '{}' },
    { reply: 'relay.referral.DE.fsm', body: '{}' },
    { reply: 'relay.report.ncmec', body: '{}' },
    { reply: '$JS.API.STREAM.UPDATE.AUDIT', body: JSON.stringify({ name: 'AUDIT', subjects: ['relay.audit.>'], max_msgs: 1 }) },
  ];

  it('gets no answer anywhere but its own inbox, with or without an API key, and changes nothing', async () => {
    const before = await stack.settled();
    const gateway = stack.pipeline.copies('gateway')[0];
    if (!gateway) throw new Error('no gateway');
    const refusedBefore = await counterValue(gateway, 'relay_gateway_refused_replies_total');
    const { nc } = await stack.probeAs('hotline-eokm');
    let sent = 0;
    for (const { reply, body } of targets) {
      for (const key of [undefined, 'demo-eokm-237e4e35b7044668047a8c1f097f320e']) {
        const h = natsHeaders();
        h.set('Content-Type', 'application/json');
        if (key) h.set('Authorization', `Bearer ${key}`);
        // The request payload is a valid report, so a gateway that answered would store it and send a receipt there.
        nc.publish('relay.intake.submit', new TextEncoder().encode(body === '{}' ? NATIVE(`EOKM-STEER-${sent}`) : body), { reply, headers: h });
        sent++;
      }
    }
    await nc.flush();
    await waitFor(async () => (await counterValue(gateway, 'relay_gateway_refused_replies_total')) - refusedBefore >= sent || undefined, {
      what: `the gateway to refuse ${sent} reply subjects`,
    });
    expect(unchangedView(await stack.snapshot())).toEqual(before);

    // A well-formed request is still answered, into the requester's own inbox.
    const client = hotlineClient(await stack.busAs('hotline-eokm'), { hotline: 'eokm', country: 'NL', apiKey: 'demo-eokm-237e4e35b7044668047a8c1f097f320e', provenance: { directoryKey: stack.accounts.directoryKey.publicKey } });
    const receipt = await client.submitReport(NATIVE('EOKM-AFTER-STEERING'));
    expect(receipt.stream).toBe('REPORTS');
  });

  it('cannot make the gateway’s user write outside a requester inbox even if the gateway tried', async () => {
    const gateway = await stack.probeAs('gateway');
    const before = await stack.settled();
    // relay.report.* is the gateway's own subject: only its inbox check (above) keeps a reply off it.
    const foreign = targets.filter((t) => !t.reply.startsWith('relay.report.'));
    for (const { reply, body } of foreign) gateway.nc.publish(reply, new TextEncoder().encode(body));
    for (const { reply } of foreign) await gateway.denied('publish', reply);
    expect(unchangedView(await stack.snapshot())).toEqual(before);
  });
});

describe('identities that must not destroy or read what is not theirs (attack 2)', () => {
  const audit = JSON.stringify({ name: 'AUDIT', subjects: ['relay.audit.>'], max_msgs: 1, sealed: true });
  // Each request would shrink, seal, purge or delete, or read another tenant's referral, if allowed.
  const attacks: Record<string, readonly (readonly [string, string])[]> = {
    gateway: [
      ['$JS.API.STREAM.UPDATE.AUDIT', audit],
      ['$JS.API.STREAM.UPDATE.REFERRALS', JSON.stringify({ name: 'REFERRALS', subjects: ['relay.referral.>'], max_msgs: 1 })],
      ['$JS.API.STREAM.MSG.GET.REFERRALS', JSON.stringify({ seq: 1 })],
      ['$JS.API.CONSUMER.DELETE.REFERRALS.hotline-eokm', ''],
      ['$JS.API.CONSUMER.CREATE.REFERRALS.hotline-eokm.relay.referral.>', JSON.stringify({ stream_name: 'REFERRALS', config: { durable_name: 'hotline-eokm', filter_subject: 'relay.referral.>' } })],
      ['$JS.API.STREAM.CREATE.STOLEN', JSON.stringify({ name: 'STOLEN', subjects: ['_INBOX.>'] })],
    ],
    locator: [
      ['$JS.API.STREAM.UPDATE.AUDIT', audit],
      ['$JS.API.STREAM.MSG.GET.REFERRALS', JSON.stringify({ seq: 1 })],
      ['$JS.API.CONSUMER.DELETE.NOTICES.police-nl', ''],
      ['$JS.API.STREAM.PURGE.REPORTS', '{}'],
    ],
    dispatcher: [
      ['$JS.API.STREAM.UPDATE.AUDIT', audit],
      ['$JS.API.STREAM.UPDATE.NOTICES', JSON.stringify({ name: 'NOTICES', subjects: ['relay.notice.>'], max_msgs: 1 })],
      ['$JS.API.CONSUMER.DELETE.REFERRALS.hotline-eokm', ''],
      ['$JS.API.CONSUMER.CREATE.REFERRALS.hotline-eokm.relay.referral.>', JSON.stringify({ stream_name: 'REFERRALS', config: { durable_name: 'hotline-eokm', filter_subject: 'relay.referral.>' } })],
      // Its retention reads and erases referrals one by one (decision 0106), never a whole stream at once.
      ['$JS.API.STREAM.PURGE.REFERRALS', '{}'],
      ['$JS.API.STREAM.MSG.DELETE.REPORTS', JSON.stringify({ seq: 1 })],
      ['$JS.API.STREAM.MSG.GET.HOSTING', JSON.stringify({ seq: 1 })],
    ],
    'operator-alice': [
      ['$JS.API.STREAM.UPDATE.AUDIT', audit],
      ['$JS.API.STREAM.PURGE.AUDIT', '{}'],
      ['$JS.API.STREAM.DELETE.AUDIT', ''],
      ['$JS.API.STREAM.MSG.DELETE.AUDIT', JSON.stringify({ seq: 1 })],
      ['$JS.API.STREAM.UPDATE.AUDIT_MIRROR', JSON.stringify({ name: 'AUDIT_MIRROR', max_msgs: 1 })],
      ['$KV.relay-cases.c_forged', JSON.stringify({ status: 'closed' })],
      ['$KV.relay-intake.ncmec.171000001', JSON.stringify({ digest: 'forged' })],
    ],
    admin: [
      ['$JS.API.STREAM.UPDATE.AUDIT', audit],
      ['$JS.API.STREAM.PURGE.REFERRALS', '{}'],
      ['$JS.API.STREAM.DELETE.NOTICES', ''],
      ['$JS.API.STREAM.MSG.GET.REFERRALS', JSON.stringify({ seq: 1 })],
      ['$JS.API.CONSUMER.DELETE.REFERRALS.hotline-eokm', ''],
      ['relay.referral.NL.eokm', '{}'],
    ],
  };

  it.each(Object.keys(attacks))('refuses %s every such request, and the broker is unchanged', async (name) => {
    const before = await stack.settled();
    const p = await stack.probeAs(name);
    const requests = attacks[name] ?? [];
    for (const [subject, body] of requests) p.nc.publish(subject, new TextEncoder().encode(body));
    for (const [subject] of requests) await p.denied('publish', subject);
    expect(unchangedView(await stack.snapshot())).toEqual(before);
  });

  it('refuses an operator a subscription on the intake, where API keys travel and the gateway’s queue answers', async () => {
    const p = await stack.probeAs('operator-alice');
    const queued = p.nc.subscribe('relay.intake.submit', { queue: 'gateway' }).closed;
    const plain = p.nc.subscribe('relay.intake.submit').closed;
    for (const closed of [await queued, await plain]) {
      expect(closed).toBeInstanceOf(PermissionViolationError);
      expect((closed as PermissionViolationError).subject).toBe('relay.intake.submit');
    }
    // The NATS intake still answers its hotlines: nothing of the gateway's queue was taken over.
    const client = hotlineClient(await stack.busAs('hotline-eokm'), { hotline: 'eokm', country: 'NL', apiKey: 'demo-eokm-237e4e35b7044668047a8c1f097f320e', provenance: { directoryKey: stack.accounts.directoryKey.publicKey } });
    expect((await client.submitReport(NATIVE('EOKM-AFTER-OPERATOR-SUBSCRIBE'))).stream).toBe('REPORTS');
  });
});
