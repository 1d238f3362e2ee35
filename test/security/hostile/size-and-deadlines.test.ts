// Issue 14, attacks 5 and 7, as a tenant would carry them out against the
// generated accounts, every service running as its own user: the largest
// report the gateway accepts (submitted by iwf) must be routed, not dead-
// lettered; a backdated status from the routed hotline must be refused and
// escalate nothing; an authority order comes from no hotline, and a repeated
// one escalates once.
import { randomBytes } from 'node:crypto';
import { type Bus, fetchStoredMessage, publishMessage, readStream, streamState } from '@relay/bus';
import { publishDirectory, readDirectory } from '@relay/directory';
import { waitFor } from '@relay/testkit';
import {
  decodeMessage,
  deriveId,
  errorFromHeader,
  Header,
  MAX_HASHES,
  MAX_URL_BYTES_TOTAL,
  MAX_URLS,
  type Notice,
  NoticeKind,
  RelayType,
  StatusAction,
  type StatusUpdate,
  StreamName,
  subjects,
} from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEYS } from '../../e2e/harness/pipeline.js';
import { caseOf as caseOfAs, routedCase as routedCaseVia } from './cases.js';
import { type HostileStack, startHostileStack } from './stack.js';

const NL_HOST = ['185.107.56.1']; // AS43350 NForce, NL
let stack: HostileStack;
let operator: Bus;

interface CaseView {
  readonly status: string;
  readonly routing?: { readonly referralId: string; readonly issuedAt: number };
  readonly deadline?: { readonly kind: string; readonly dueAt: number; readonly escalated: boolean };
  readonly statuses: readonly { readonly id: string }[];
}

/** Submits a small report as iwf over HTTP and returns its case once routed (read as an operator). */
const routedCase = (host: string) => routedCaseVia<CaseView>(stack.gatewayUrl, operator, DEMO_KEYS.iwf, 'IWF', host);
const caseOf = (caseId: string) => caseOfAs<CaseView>(operator, caseId);

async function escalations(caseId: string): Promise<Notice[]> {
  const out: Notice[] = [];
  for await (const m of readStream(operator, { stream: StreamName.Notices })) {
    const n = decodeMessage(RelayType.Notice, m.data);
    if (n.caseId === caseId && n.kind === NoticeKind.NOTICE_KIND_DEADLINE_ESCALATION) out.push(n);
  }
  return out;
}

/** The dispatcher's DLQ entry for the message published as `msgId`: its error code. */
async function refusal(msgId: string): Promise<string> {
  return waitFor(async () => {
    for await (const m of readStream(operator, { stream: StreamName.Dlq, filterSubject: subjects.dlq('dispatcher') })) {
      if (m.headers[Header.DlqMsgId] === msgId) return errorFromHeader(m.headers[Header.Error] ?? '').code;
    }
    return undefined;
  }, { what: `the DLQ entry of ${msgId}` });
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  stack = await startHostileStack({
    zone: { 'big.example.nl': NL_HOST, 'backdated.example.nl': NL_HOST, 'ordered.example.nl': NL_HOST },
    // The largest report is a JSON body above the 1 MiB default (PhotoDNA in hex doubles the hashes).
    serviceEnv: { gateway: { RELAY_BODY_LIMIT: String(4 * 1024 * 1024) } },
  });
  operator = await stack.busAs('operator-alice');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a report as large as the gateway allows (attack 5)', () => {
  it('is routed when iwf submits it: every one of its 1,000 URLs referred with all 1,000 PhotoDNA hashes, nothing dead-lettered', async () => {
    const each = Math.floor(MAX_URL_BYTES_TOTAL / MAX_URLS) - 3;
    const urls = Array.from({ length: MAX_URLS }, (_, i) => `http://big.example.nl/${String(i).padStart(4, '0')}/`.padEnd(each, 'page.'));
    const hashes = Array.from({ length: MAX_HASHES }, () => ({ algorithm: 'HASH_ALGORITHM_PHOTODNA', value: randomBytes(144).toString('hex') }));
    const res = await fetch(`${stack.gatewayUrl}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_KEYS.iwf}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sourceReportId: 'IWF-LARGEST', urls, hashes }),
    });
    expect(res.status).toBe(202);

    const caseIds = new Set(urls.map((u) => deriveId('case', u)));
    await waitFor(async () => ((await streamState(operator, StreamName.Referrals))?.messages ?? 0) >= caseIds.size, {
      timeoutMs: 100_000,
      intervalMs: 500,
      what: 'a referral for each of the 1,000 URLs',
    });
    const state = await streamState(operator, StreamName.Referrals);
    const hashCounts = new Map<string, number>();
    for (let seq = state?.firstSeq ?? 1; seq <= (state?.lastSeq ?? 0); seq++) {
      const m = await fetchStoredMessage(operator, StreamName.Referrals, seq);
      const r = m && decodeMessage(RelayType.Referral, m.data);
      if (r && caseIds.has(r.caseId)) hashCounts.set(r.caseId, r.hashes.length);
    }
    expect(hashCounts.size).toBe(caseIds.size);
    expect([...hashCounts.values()].every((n) => n === MAX_HASHES)).toBe(true);
    expect((await streamState(operator, StreamName.Dlq))?.messages ?? 0).toBe(0);
  });
});

describe('deadline games (attack 7)', () => {
  it('refuses a status backdated before its referral, from the routed hotline itself, and escalates nothing', async () => {
    const { caseId, routing } = await routedCase('backdated.example.nl');
    const eokm = (await stack.hotline('eokm', 'NL'));
    // An ISP two days before the referral: the Dutch 24 h deadline would have passed already.
    await eokm.publishStatus({ id: 'isp-backdated', referralId: routing.referralId, caseId, action: StatusAction.STATUS_ACTION_ISP, occurredAt: new Date(routing.issuedAt - 48 * 3_600_000), note: '' });
    expect(await refusal('eokm:isp-backdated')).toBe('status-time-out-of-bounds');
    await pause(1_500);
    expect((await caseOf(caseId))?.deadline).toBeUndefined();
    expect(await escalations(caseId)).toEqual([]);
  });

  it('takes no authority order from the hotline, and escalates a repeated order from an operator once', async () => {
    // Orders run for seconds here instead of the Dutch 12 h, as an operator's directory change.
    const stored = await readDirectory(operator);
    if (!stored) throw new Error('no directory');
    const file = structuredClone(stored.directory.file);
    const nl = file.deadlines.byCountry?.['NL'];
    if (!nl) throw new Error('no Dutch deadlines');
    file.deadlines.byCountry = { ...file.deadlines.byCountry, NL: { ...nl, afterAuthorityOrder: '2s' } };
    await publishDirectory(operator, stack.accounts.signed(file));

    const { caseId, routing } = await routedCase('ordered.example.nl');
    const order = (id: string): Omit<StatusUpdate, 'hotline'> => ({ id, referralId: routing.referralId, caseId, action: StatusAction.STATUS_ACTION_AUTHORITY_ORDER, occurredAt: new Date(), note: '' });

    const eokm = (await stack.hotline('eokm', 'NL'));
    await eokm.publishStatus(order('order-by-hotline'));
    expect(await refusal('eokm:order-by-hotline')).toBe('status-not-authority');
    expect((await caseOf(caseId))?.deadline).toBeUndefined();

    // An operator relays the authority's order on its own status subject, signed as itself.
    const sender = 'operator-alice';
    const relay = async (id: string): Promise<void> => {
      await publishMessage(operator, subjects.status(sender), RelayType.StatusUpdate, { ...order(id), hotline: sender }, { msgId: `${sender}:${id}`, origin: sender });
    };
    await relay('order-1');
    await waitFor(async () => (await escalations(caseId)).length === 2, { timeoutMs: 20_000, what: 'the order deadline to escalate' });
    await relay('order-2');
    await waitFor(async () => ((await caseOf(caseId))?.statuses.some((x) => x.id === `${sender}/order-2`) ? true : undefined), { what: 'the repeated order to be recorded' });
    // Long enough for a second order deadline to have passed and been escalated.
    await pause(4_000);
    const sent = await escalations(caseId);
    expect(sent).toHaveLength(2);
    expect(sent.map((n) => n.country)).toEqual(['NL', 'NL']);
  });
});
