// Issue 16, item 6: a day-to-day operator gets the verbs it needs and no more
// (decision 0113). Against the relay as production runs it (generated
// accounts, every service as its own user), `relay` run as operator-alice does
// the day-to-day work without a single permissions violation, and the server
// refuses it what no verb needs: other users' inboxes, the system account,
// core subscriptions on the relay's subjects, the tenants' and services'
// durable consumers, the DLQ subjects, stream changes and other buckets.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readStream } from '@relay/bus';
import { decodeMessage, type Referral, RelayType, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Inbox, inbox } from '../../e2e/harness/collect.js';
import { DEMO_KEYS } from '../../e2e/harness/pipeline.js';
import { type HostileStack, startHostileStack, unchangedView } from './stack.js';

let stack: HostileStack;
let eokm: Inbox<Referral>;
let dir: string;

beforeAll(async () => {
  stack = await startHostileStack();
  eokm = inbox(await (await stack.hotline('eokm', 'NL')).referrals());
  dir = await mkdtemp(join(stack.accounts.dir, 'operator-'));
}, 120_000);

afterAll(async () => {
  await eokm?.close();
  await stack?.stop();
});

const asOperator = (...args: string[]) => stack.relayAs('operator-alice', ...args);

describe('a day-to-day operator under its generated user', () => {
  it('submits, follows, inspects, counts, exports, republishes, reroutes, redrives, applies retention and reconciles, refused nothing', async () => {
    const report = join(dir, 'report.json');
    await writeFile(report, JSON.stringify({ sourceReportId: 'IWF-OPERATOR-1', urls: ['http://images.example.nl/gallery/7'] }));
    const submitted = await asOperator('submit', report, '--key', DEMO_KEYS.iwf, '--json');
    expect(submitted.code, submitted.err).toBe(0);
    const { reportId } = JSON.parse(submitted.out) as { reportId: string };
    const referral = await eokm.next((r) => r.message.reportId === reportId, 'the referral of the operator’s submission');
    await stack.settled();

    const keyFile = join(dir, 'retention.key');
    await writeFile(keyFile, 'k'.repeat(48), { mode: 0o600 });
    const runs = {
      tail: await asOperator('tail', 'referrals', '--since', '1h', '--count', '1', '--json'),
      inspect: await asOperator('inspect', 'REFERRALS', '1', '--json'),
      stats: await asOperator('stats', '--json'),
      dlqList: await asOperator('dlq', 'list', '--json'),
      directory: await asOperator('directory', 'show', '--json'),
      export: await asOperator('replay', '--stream', 'REFERRALS', '--out', join(dir, 'referrals.jsonl'), '--reason', 'export for the annual report', '--json'),
      republish: await asOperator('replay', '--stream', 'HOSTING', '--to-subject', 'original', '--reason', 're-run the dispatcher on what it saw', '--json'),
      reroute: await asOperator('reroute', '--wait', '0', '--reason', 'directory reviewed', '--json'),
      redrive: await asOperator('dlq', 'redrive', '--all', '--reason', 'nothing should be stuck', '--json'),
      retention: await asOperator('retention', 'apply', '--after', '3650d', '--key-file', keyFile, '--reason', 'monthly retention', '--json'),
    };
    // Only tail writes to stderr when all is well: what it follows.
    for (const [verb, r] of Object.entries(runs)) expect({ verb, code: r.code, err: r.err.replace(/^following .*\n/, '') }).toEqual({ verb, code: 0, err: '' });
    expect(runs.tail.out).toContain(referral.message.id);
    expect(JSON.parse(runs.inspect.out)).toMatchObject({ stream: 'REFERRALS' });

    // Republishing what HOSTING holds is absorbed by its ids: no second referral.
    await stack.settled();
    const audit = await asOperator('audit', '--json');
    expect({ code: audit.code, err: audit.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(audit.out)).toMatchObject({ lost: 0, auditTrail: { breaks: [] } });
    expect(eokm.received.filter((r) => r.message.reportId === reportId)).toHaveLength(1);

    // Every audited verb landed in the operator's own name.
    const operator = await stack.busAs('operator-alice');
    const records: { subject: string; actor: string; action: string }[] = [];
    for await (const m of readStream(operator, { stream: StreamName.Audit })) records.push({ subject: m.subject, ...decodeMessage(RelayType.AuditRecord, m.data) });
    expect(records.map((r) => r.action).sort()).toEqual(['dlq-redrive', 'replay', 'replay', 'reroute', 'retention-apply']);
    for (const r of records) expect(r).toMatchObject({ subject: `relay.audit.operator-alice.${r.action}`, actor: 'operator-alice' });

    // The reads of the operations page's `nats stream report` work too: stream and consumer listings.
    const probe = await stack.probeAs('operator-alice');
    const names = JSON.parse(new TextDecoder().decode((await probe.nc.request('$JS.API.STREAM.NAMES', '{}')).data)) as { streams: string[] };
    expect(names.streams).toEqual(expect.arrayContaining(Object.values(StreamName)));
    const listed = JSON.parse(new TextDecoder().decode((await probe.nc.request(`$JS.API.CONSUMER.LIST.${StreamName.Referrals}`, '{}')).data)) as { consumers: { name: string }[] };
    expect(listed.consumers.map((c) => c.name)).toContain('hotline-eokm');

    // `relay audit --follow` listens for leader elections (none on one server) and audits at start.
    const followed = await asOperator('audit', '--follow', '--rounds', '1', '--json');
    expect({ code: followed.code, round: JSON.parse(followed.out) as unknown }).toMatchObject({ code: 0, round: { trigger: 'start', lost: 0 } });

    // Least privilege cost no function: neither the operator nor any service was refused anything.
    expect(stack.violations()).toEqual([]);
  });

  it('is refused by the server what no verb needs, and the broker is unchanged', async () => {
    const before = await stack.settled();
    const p = await stack.probeAs('operator-alice');
    const subscriptions = [
      '>',
      '$SYS.>',
      '_INBOX.>',
      '_INBOX.hotline.>',
      '_INBOX.hotline.hotline-eokm.x',
      '_INBOX.service.gateway.>',
      'relay.intake.submit',
      'relay.referral.>',
      'relay.notice.NL.police.>',
      'relay.report.>',
      // Leader elections only (decision 0155): not every advisory, not the API audit's requests.
      '$JS.EVENT.ADVISORY.>',
      '$JS.EVENT.ADVISORY.API',
      '$JS.EVENT.ADVISORY.CONSUMER.>',
    ];
    const widen = JSON.stringify({ stream_name: 'REFERRALS', config: { durable_name: 'hotline-eokm', name: 'hotline-eokm', filter_subject: 'relay.referral.DE.fsm', ack_policy: 'explicit' } });
    const publishes: [string, string][] = [
      ['relay.dlq.gateway', '{}'],
      ['relay.audit.dispatcher.replay', '{}'],
      ['$JS.API.STREAM.CREATE.STOLEN', JSON.stringify({ name: 'STOLEN', subjects: ['_INBOX.>'] })],
      ['$JS.API.STREAM.UPDATE.REFERRALS', JSON.stringify({ name: 'REFERRALS', subjects: ['relay.referral.>'], max_msgs: 1 })],
      ['$JS.API.STREAM.PURGE.DLQ', '{}'],
      ['$JS.API.STREAM.MSG.DELETE.REPORTS', JSON.stringify({ seq: 1 })],
      ['$JS.API.STREAM.MSG.GET.KV_relay-intake', JSON.stringify({ seq: 1 })],
      ['$JS.API.CONSUMER.DELETE.REFERRALS.hotline-eokm', ''],
      ['$JS.API.CONSUMER.CREATE.REFERRALS.hotline-eokm.relay.referral.DE.fsm', widen],
      ['$JS.API.CONSUMER.CREATE.REFERRALS.hotline-eokm', widen],
      ['$JS.API.CONSUMER.DURABLE.CREATE.REFERRALS.hotline-eokm', widen],
      ['$JS.API.CONSUMER.MSG.NEXT.REFERRALS.hotline-eokm', JSON.stringify({ batch: 10 })],
      ['$JS.API.CONSUMER.MSG.NEXT.NOTICES.police-nl', JSON.stringify({ batch: 10 })],
      ['$JS.API.CONSUMER.MSG.NEXT.REPORTS.locator-reports', JSON.stringify({ batch: 10 })],
      ['$JS.API.CONSUMER.MSG.NEXT.STATUS.dispatcher-status-eokm', JSON.stringify({ batch: 10 })],
      ['$JS.ACK.REFERRALS.hotline-eokm.1.1.1.1.1.0', ''],
      ['$KV.relay-cases.c_forged', '{}'],
      ['$KV.relay-hosting.c_forged', '{}'],
    ];
    for (const s of subscriptions) p.nc.subscribe(s);
    for (const [subject, body] of publishes) p.nc.publish(subject, new TextEncoder().encode(body));
    for (const s of subscriptions) await p.denied('subscription', s);
    for (const [subject] of publishes) await p.denied('publish', subject);
    expect(unchangedView(await stack.snapshot())).toEqual(before);
  });
});
