import { type Bus, consumerLag, provenanceVerifier, readStream } from '@relay/bus';
import type { SignerList } from '@relay/client';
import { policyOfList } from '@relay/directory';
import { createLogger } from '@relay/observability';
import { startRelay, type TestRelay } from '@relay/testing';
import { errorFromHeader, Header, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatcherBus, publishNotice, publishReferral, secretsFolder, tenantConsumersOf } from '../test/courier.js';
import { startReceiver, type TestReceiver } from '../test/receiver.js';
import { type Courier, runCourier } from './index.js';

let relay: TestRelay;
let dispatcher: Bus;
let signers: SignerList;
const log = createLogger('courier', 'silent');
const limits = { connectTimeoutMs: 1_000, totalTimeoutMs: 3_000, maxResponseBytes: 1_024 };

beforeAll(async () => {
  relay = await startRelay({ directory: false });
  ({ bus: dispatcher, signers } = await dispatcherBus(relay));
});
afterAll(async () => {
  await dispatcher?.close();
  await relay?.dispose();
});

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Payload {
  readonly type: string;
  readonly data: { readonly id: string; readonly caseId: string };
  readonly relay: { readonly subject: string; readonly payload: string };
}

function startCourier(secretsDir: string, maxAgeMs: number, observe?: Parameters<typeof runCourier>[0]['observe']): Courier {
  return runCourier({
    bus: relay.bus,
    secretsDir,
    limits,
    retry: { initialMs: 50, maxDelayMs: 400, maxAgeMs },
    breaker: { failures: 3, openMs: 300 },
    provenance: { signers },
    log,
    ...(observe === undefined ? {} : { observe }),
  });
}

describe('webhook delivery', () => {
  it('delivers every referral and notice through 500s and an outage, once each, in order per case, signed and with the same webhook-id on repeats', async () => {
    const { dir, ref, secret } = secretsFolder();
    await tenantConsumersOf(relay.bus, 'eokm', 'NL');
    // The first three requests are answered 500, then the endpoint goes down for a while.
    const rx: TestReceiver = await startReceiver(secret, (n) => (n <= 3 ? 500 : 204));
    const attempts: string[] = [];
    const courier = startCourier(dir, 3_600_000, (hotline, outcome) => attempts.push(`${hotline}:${outcome}`));
    await courier.apply([{ hotline: 'eokm', country: 'NL', delivery: { kind: 'webhook', url: rx.url, secretRef: ref, allowPrivate: true } }]);

    const published: { id: string; caseId: string; stream: 'referral' | 'notice' }[] = [];
    for (let c = 1; c <= 4; c++) {
      const caseId = `case_dlv_${c}`;
      await publishReferral(dispatcher, `ref_dlv_${c}`, caseId, 'eokm', 'NL');
      published.push({ id: `ref_dlv_${c}`, caseId, stream: 'referral' });
      for (let k = 1; k <= 2; k++) {
        await publishNotice(dispatcher, `ntc_dlv_${c}_${k}`, caseId, 'eokm', 'NL');
        published.push({ id: `ntc_dlv_${c}_${k}`, caseId, stream: 'notice' });
      }
    }
    // Also referrals of one case published back to back: they go out in stream order.
    for (let k = 1; k <= 3; k++) {
      await publishReferral(dispatcher, `ref_dlv_seq_${k}`, 'case_dlv_seq', 'eokm', 'NL');
      published.push({ id: `ref_dlv_seq_${k}`, caseId: 'case_dlv_seq', stream: 'referral' });
    }

    await until(() => rx.requests.length >= 3);
    await rx.down();
    const failedBefore = attempts.filter((o) => o.endsWith('failed')).length;
    // Down long enough for several retries (and the breaker to open) to fail against a closed port.
    await until(() => attempts.filter((o) => o.endsWith('failed')).length >= failedBefore + 3);
    await new Promise((r) => setTimeout(r, 800));
    await rx.up();

    await until(() => new Set(rx.requests.filter((r) => r.status < 300).map((r) => r.id)).size === published.length);
    await courier.stop();

    // Every request verified with the standardwebhooks package; webhook-id is the message id, also on repeats.
    expect(rx.requests.every((r) => r.verified)).toBe(true);
    for (const r of rx.requests) expect((r.payload as Payload).data.id).toBe(r.id);
    const delivered = rx.requests.filter((r) => r.status < 300);
    expect(delivered.map((r) => r.id).sort()).toEqual(published.map((p) => p.id).sort());
    // A repeat: an id that was answered 500 came again with the same webhook-id, then was delivered.
    const repeated = rx.requests.filter((r) => r.status === 500).map((r) => r.id);
    expect(repeated.length).toBe(3);
    for (const id of repeated) expect(delivered.some((d) => d.id === id)).toBe(true);
    // The outage cost failed attempts that never reached the receiver; none was lost.
    expect(attempts.filter((o) => o.endsWith('failed')).length).toBeGreaterThan(3);

    // Per case: no message is POSTed before the one before it (same case, same stream) was delivered.
    for (const caseId of new Set(published.map((p) => p.caseId))) {
      for (const stream of ['referral', 'notice'] as const) {
        const order = published.filter((p) => p.caseId === caseId && p.stream === stream).map((p) => p.id);
        const seen = rx.requests.map((r) => r.id).filter((id) => order.includes(id));
        const firstOf = order.map((id) => seen.indexOf(id));
        const deliveredAt = order.map((id) => rx.requests.findIndex((r) => r.id === id && r.status < 300));
        for (let i = 1; i < order.length; i++) expect(rx.requests.findIndex((r) => r.id === order[i])).toBeGreaterThan(deliveredAt[i - 1] ?? -1);
        expect(firstOf.every((x) => x >= 0)).toBe(true);
      }
    }

    // The relay's provenance headers arrive as received: the dispatcher's signature verifies over the carried bytes and subject.
    const verify = provenanceVerifier({ expectedSigner: () => 'dispatcher', ...policyOfList(signers) });
    for (const r of delivered) {
      const p = r.payload as Payload;
      expect(r.headers['relay-subject']).toBe(p.relay.subject);
      expect(r.headers['relay-signature']).toBeTruthy();
      const headers = { [Header.MsgId]: r.headers['nats-msg-id'] ?? '', [Header.Type]: r.headers['relay-type'] ?? '', [Header.Origin]: r.headers['relay-origin'] ?? '',
        [Header.Signer]: r.headers['relay-signer'] ?? '', [Header.SignedAt]: r.headers['relay-signed-at'] ?? '', [Header.Signature]: r.headers['relay-signature'] ?? '' };
      expect(() => verify({ data: Buffer.from(p.relay.payload, 'base64'), headers, subject: p.relay.subject })).not.toThrow();
    }
    await rx.close();

    // Nothing is left: every message was acked.
    const fresh = await relay.connect('after');
    expect(await consumerLag(fresh, StreamName.Referrals, 'hotline-eokm')).toMatchObject({ pending: 0, ackPending: 0 });
    expect(await consumerLag(fresh, StreamName.Notices, 'hotline-eokm-notices')).toMatchObject({ pending: 0, ackPending: 0 });
  });

  it('sends a message to the DLQ with the endpoint last status (never its body) once it is older than the max age', async () => {
    const { dir, ref, secret } = secretsFolder('iwf-webhook');
    await tenantConsumersOf(relay.bus, 'iwf', 'GB');
    const rx = await startReceiver(secret, () => 503);
    const courier = startCourier(dir, 1_000);
    await courier.apply([{ hotline: 'iwf', country: 'GB', delivery: { kind: 'webhook', url: rx.url, secretRef: ref, allowPrivate: true } }]);
    await publishReferral(dispatcher, 'ref_dlq_1', 'case_dlq_1', 'iwf', 'GB');

    let entries: Awaited<ReturnType<typeof readDlq>> = [];
    const end = Date.now() + 15_000;
    while (entries.length === 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      entries = await readDlq();
    }
    await courier.stop();
    await rx.close();

    const entry = entries[0];
    const error = errorFromHeader(entry?.headers[Header.Error] ?? '');
    expect(error.code).toBe('webhook-status');
    expect(error.message).toMatch(/last answer: endpoint answered 503/);
    expect(error.message).not.toMatch(/never be logged/);
    expect(entry?.headers[Header.DlqMsgId]).toBe('dispatcher:ref_dlq_1');
    expect(rx.requests.length).toBeGreaterThan(1);
    expect(rx.requests.every((r) => r.id === 'ref_dlq_1' && r.status === 503)).toBe(true);
  });
  it('never connects to an endpoint on a private address the operator did not allow, and dead-letters what it could not deliver', async () => {
    const { dir, ref, secret } = secretsFolder('fsm-webhook');
    await tenantConsumersOf(relay.bus, 'fsm', 'DE');
    const rx = await startReceiver(secret);
    const courier = startCourier(dir, 500);
    // The receiver listens on loopback, but this endpoint has no allowPrivate.
    await courier.apply([{ hotline: 'fsm', country: 'DE', delivery: { kind: 'webhook', url: rx.url.replace('http:', 'https:'), secretRef: ref } }]);
    await publishReferral(dispatcher, 'ref_ssrf_1', 'case_ssrf_1', 'fsm', 'DE');

    let entries: Awaited<ReturnType<typeof readDlq>> = [];
    const end = Date.now() + 15_000;
    while (!entries.some((e) => e.headers[Header.DlqMsgId] === 'dispatcher:ref_ssrf_1') && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      entries = await readDlq();
    }
    await courier.stop();
    await rx.close();
    const entry = entries.find((e) => e.headers[Header.DlqMsgId] === 'dispatcher:ref_ssrf_1');
    expect(errorFromHeader(entry?.headers[Header.Error] ?? '').code).toBe('webhook-address-refused');
    expect(rx.connections()).toBe(0);
  });
  it('never POSTs a referral the dispatcher did not sign: it is refused and terminated, the signed one after it is delivered', async () => {
    const { dir, ref, secret } = secretsFolder('eco-webhook');
    await tenantConsumersOf(relay.bus, 'eco', 'DE');
    const rx = await startReceiver(secret);
    const courier = startCourier(dir, 60_000);
    await courier.apply([{ hotline: 'eco', country: 'DE', delivery: { kind: 'webhook', url: rx.url, secretRef: ref, allowPrivate: true } }]);
    // relay.bus signs nothing: a forgery as whoever could write the stream would send it.
    await publishReferral(relay.bus, 'ref_forged_1', 'case_forged', 'eco', 'DE');
    await publishReferral(dispatcher, 'ref_signed_1', 'case_forged', 'eco', 'DE');
    await until(() => rx.requests.some((r) => r.id === 'ref_signed_1' && r.status < 300));
    await courier.stop();
    await rx.close();
    expect(rx.requests.map((r) => r.id)).toEqual(['ref_signed_1']);
    expect(await consumerLag(relay.bus, StreamName.Referrals, 'hotline-eco')).toMatchObject({ pending: 0, ackPending: 0 });
  });
});

async function readDlq(): Promise<{ headers: Readonly<Record<string, string>>; data: Uint8Array }[]> {
  const out = [];
  for await (const m of readStream(relay.bus, { stream: StreamName.Dlq, filterSubject: subjects.dlq('courier') })) out.push({ headers: m.headers, data: m.data });
  return out;
}
