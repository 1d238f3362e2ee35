// Issue 14, attack 4, through the real pipeline: in Germany, where three member
// hotlines share a country, a relocation's case-moved notice (with the URL)
// reaches only the hotline the case was routed to. The other German hotlines'
// consumers never hold it, and neither can subscribe to it or pull it: the
// server refuses, not a client-side check.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumerLag, openJsonBucket } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { KvBucket, type Notice, NoticeKind, type Referral, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Inbox, inbox } from '../../e2e/harness/collect.js';
import { devZone, writeZone, type ZoneRecord } from '../../e2e/harness/intake.js';
import { DEMO_KEYS } from '../../e2e/harness/pipeline.js';
import { type HostileStack, startHostileStack } from './stack.js';

const GERMAN_HOSTER: ZoneRecord = { a: ['5.9.0.1'] }; // AS24940 Hetzner, DE
const DUTCH_HOSTER: ZoneRecord = { a: ['185.107.56.1'] }; // AS43350 NForce, NL
const URL = 'http://moving.example.de/gallery/7';

let dir: string;
let zoneFile: string;
let stack: HostileStack;
let ecoReferrals: Inbox<Referral>;
let ecoNotices: Inbox<Notice>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-hostile-notices-'));
  zoneFile = join(dir, 'zone.json');
  await writeZone(zoneFile, { ...devZone(), 'moving.example.de': GERMAN_HOSTER });
  stack = await startHostileStack({
    serviceEnv: { locator: { RELAY_DNS_ZONE_FILE: zoneFile }, dispatcher: { RELAY_RECHECK_INTERVAL: '2s' } },
  });
  const eco = (await stack.hotline('eco', 'DE'));
  ecoReferrals = inbox(await eco.referrals());
  ecoNotices = inbox(await eco.notices());
}, 120_000);

afterAll(async () => {
  await ecoReferrals?.close();
  await ecoNotices?.close();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a relocation out of Germany', () => {
  it('tells the hotline the case was routed to, and no other German hotline', async () => {
    const res = await fetch(`${stack.gatewayUrl}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_KEYS.iwf}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sourceReportId: 'IWF-DE-MOVE-1', urls: [URL] }),
    });
    expect(res.status).toBe(202);
    const referral = await ecoReferrals.next((r) => r.message.url === URL, 'the referral to eco', 60_000);
    expect(referral.subject).toBe('relay.referral.DE.eco');
    const caseId = referral.message.caseId;

    // The case must be in the dispatcher's schedule before the move, or no recheck finds it.
    const operator = await stack.busAs('operator-alice');
    const cases = await openJsonBucket<{ recheck: { seq: number } }>(operator, KvBucket.Cases);
    const seqBefore = (await cases.get(caseId))?.value.recheck.seq ?? 0;
    await waitFor(async () => ((await cases.get(caseId))?.value.recheck.seq ?? 0) > seqBefore, { timeoutMs: 20_000, what: 'a first recheck of the case' });
    await writeZone(zoneFile, { ...devZone(), 'moving.example.de': DUTCH_HOSTER });

    const movedOut = await ecoNotices.next((n) => n.message.caseId === caseId && n.message.kind === NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, 'the case-moved notice for eco', 60_000);
    expect(movedOut.subject).toBe('relay.notice.DE.hotline.eco.case-moved-out');
    expect(movedOut.message).toMatchObject({ hotline: 'eco', country: 'DE', url: URL });

    // FSM and jugendschutz.net hold nothing: their consumers never had the notice to deliver.
    for (const other of ['fsm', 'jugendschutz-net']) {
      expect(await consumerLag(operator, StreamName.Notices, `hotline-${other}-notices`), other).toMatchObject({ pending: 0, ackPending: 0 });
    }
    // The services did all this as their generated users without a permissions violation.
    expect(stack.violations()).toEqual([]);
    // And as hostile tenants they can neither subscribe to eco's notices nor pull from eco's consumer.
    const fsm = await stack.probeAs('hotline-fsm');
    const subscription = fsm.nc.subscribe('relay.notice.DE.hotline.eco.>');
    fsm.nc.publish('$JS.API.CONSUMER.MSG.NEXT.NOTICES.hotline-eco-notices', new TextEncoder().encode('{"batch":10}'));
    await fsm.denied('subscription', 'relay.notice.DE.hotline.eco.>');
    await fsm.denied('publish', '$JS.API.CONSUMER.MSG.NEXT.NOTICES.hotline-eco-notices');
    await subscription.closed;
  });
});
