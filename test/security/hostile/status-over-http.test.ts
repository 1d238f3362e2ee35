// Issue 19, item 3, from the hostile side: POST /v1/status against the relay
// as production runs it (generated accounts, every service as its own user,
// signing and verification on). A hotline closes the loop over HTTP with its
// API key; the gateway publishes on its behalf, signed as the gateway
// (decision 0130). Another hotline's referral, a wrong key, a forged
// on-behalf-of signature and the gateway user itself on an authority subject
// must all change nothing.
import { type Bus, fetchStoredMessage, publishBytes, readStream, signatureHeaders, signerFromSeed } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { encodeMessage, errorFromHeader, Header, RelayType, StatusAction, type StatusUpdate, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEYS } from '../../e2e/harness/pipeline.js';
import { caseOf as caseOfAs, routedCase as routedCaseVia } from './cases.js';
import { type HostileStack, startHostileStack } from './stack.js';

let stack: HostileStack;
let operator: Bus;

interface CaseView {
  readonly status: string;
  readonly routing?: { readonly referralId: string; readonly hotline: string };
  readonly deadline?: { readonly kind: string; readonly statusId: string };
  readonly statuses: readonly { readonly id: string }[];
}

const routedCase = (host: string) => routedCaseVia<CaseView>(stack.gatewayUrl, operator, DEMO_KEYS.ncmec, 'NCMEC', host);
const caseOf = (caseId: string) => caseOfAs<CaseView>(operator, caseId);

async function refusal(msgId: string): Promise<string> {
  return waitFor(
    async () => {
      for await (const m of readStream(operator, { stream: StreamName.Dlq, filterSubject: subjects.dlq('dispatcher') })) {
        if (m.headers[Header.DlqMsgId] === msgId) return errorFromHeader(m.headers[Header.Error] ?? '').code;
      }
      return undefined;
    },
    { what: `the DLQ entry of ${msgId}` },
  );
}

async function postStatus(key: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${stack.gatewayUrl}/v1/status`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  stack = await startHostileStack({
    zone: { 'isp.example.nl': ['185.107.56.1'], 'other.example.de': ['88.198.1.1'], 'forged.example.nl': ['185.107.56.1'] },
  });
  operator = await stack.busAs('operator-alice');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('POST /v1/status on the relay as production runs it', () => {
  it("applies eokm's status sent over HTTP, signed by the gateway for eokm, once however often it is sent, over HTTP or NATS", async () => {
    const { caseId, routing } = await routedCase('isp.example.nl');
    expect(routing.hotline).toBe('eokm');
    const body = { id: 'eokm-isp-1', referralId: routing.referralId, caseId, action: 'STATUS_ACTION_ISP' };
    const first = await postStatus(DEMO_KEYS.eokm, body);
    expect(first).toMatchObject({ status: 202, json: { statusId: 'eokm-isp-1', hotline: 'eokm', stream: 'STATUS', duplicate: false } });

    const stored = await fetchStoredMessage(operator, StreamName.Status, first.json['seq'] as number);
    expect(stored?.subject).toBe('relay.status.eokm');
    expect(stored?.headers[Header.Signer]).toBe(stack.accounts.signingKey('gateway').publicKey);
    expect(stored?.headers[Header.Origin]).toBe('eokm');
    await waitFor(async () => ((await caseOf(caseId))?.deadline?.statusId === 'eokm-isp-1' ? true : undefined), { what: 'the ISP to start the deadline' });

    const again = await postStatus(DEMO_KEYS.eokm, body);
    expect(again).toMatchObject({ status: 202, json: { seq: first.json['seq'], duplicate: true } });
    // The same id from eokm's own NATS client is the same message.
    const eokm = (await stack.hotline('eokm', 'NL'));
    const overNats = await eokm.publishStatus({ id: 'eokm-isp-1', referralId: routing.referralId, caseId, action: StatusAction.STATUS_ACTION_ISP, note: '' });
    expect(overNats).toMatchObject({ seq: first.json['seq'], duplicate: true });
    await pause(1_000);
    expect((await caseOf(caseId))?.statuses.map((s) => s.id)).toEqual(['eokm-isp-1']);
  });

  it("refuses eokm's status about a referral routed to another hotline: stored, then dead-lettered, the case untouched", async () => {
    const { caseId, routing } = await routedCase('other.example.de');
    expect(routing.hotline).not.toBe('eokm');
    const res = await postStatus(DEMO_KEYS.eokm, { id: 'eokm-cr-not-mine', referralId: routing.referralId, caseId, action: 'STATUS_ACTION_CR' });
    expect(res.status).toBe(202);
    expect(await refusal('eokm:eokm-cr-not-mine')).toBe('status-not-routed-hotline');
    expect(await caseOf(caseId)).toMatchObject({ status: 'open', statuses: [] });
  });

  it('stores nothing for a wrong key, a reporting source that is no hotline, or a body naming another hotline', async () => {
    const { caseId, routing } = await routedCase('forged.example.nl');
    const body = { id: 'closing', referralId: routing.referralId, caseId, action: 'STATUS_ACTION_CR' };
    const before = (await stack.snapshot())[StreamName.Status]?.lastSeq;
    expect(await postStatus('demo-eokm-ffffffffffffffffffffffffffffffff', body)).toMatchObject({ status: 401, json: { rule: 'unauthenticated' } });
    expect(await postStatus(DEMO_KEYS.ncmec, body)).toMatchObject({ status: 403, json: { rule: 'forbidden' } });
    expect(await postStatus(DEMO_KEYS.iwf, { ...body, hotline: 'eokm' })).toMatchObject({ status: 403, json: { pointer: '/hotline' } });
    expect((await stack.snapshot())[StreamName.Status]?.lastSeq).toBe(before);
    expect((await caseOf(caseId))?.status).toBe('open');
  });

  it("refuses a hotline's own status that claims the gateway's key, and the gateway user cannot publish on an authority's subject", async () => {
    const { caseId, routing } = await routedCase('forged.example.nl');
    const u: StatusUpdate = { id: 'forged-gw', hotline: 'eokm', referralId: routing.referralId, caseId, action: StatusAction.STATUS_ACTION_CR, note: '' };
    const data = encodeMessage(RelayType.StatusUpdate, u);
    const base = { [Header.MsgId]: 'eokm:forged-gw', [Header.Origin]: 'eokm', [Header.Type]: RelayType.StatusUpdate };
    const own = signerFromSeed(stack.accounts.signingKey('hotline-eokm').seed);
    const forged = signatureHeaders({ publicKey: stack.accounts.signingKey('gateway').publicKey, sign: (b) => own.sign(b) }, subjects.status('eokm'), data, base);
    await publishBytes(await stack.busAs('hotline-eokm'), subjects.status('eokm'), data, { msgId: 'eokm:forged-gw', origin: 'eokm', headers: { ...base, ...forged } });
    expect(await refusal('eokm:forged-gw')).toBe('signature-invalid');
    expect((await caseOf(caseId))?.status).toBe('open');

    const gateway = await stack.probeAs('gateway');
    gateway.nc.publish(subjects.status('authority-nl'), data);
    await gateway.denied('publish', subjects.status('authority-nl'));
  });
});
