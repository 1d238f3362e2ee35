// Issue 14, attack 6, as hotline iwf would carry it out over NATS against the
// generated accounts: reuse a source report id for a different report (before
// the fix JetStream's dedup dropped it and the gateway still answered 202), and
// rewrite the gateway's own record of which report an id names, or its rate
// counts, directly. Denials are asserted from the server's permissions errors
// and from the broker's unchanged state.
import { hotlineClient, isSubmitRefusedError } from '@relay/client';
import { StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterValue, DEMO_KEYS } from '../../e2e/harness/pipeline.js';
import { type HostileStack, startHostileStack, unchangedView } from './stack.js';

let stack: HostileStack;

const NATIVE = (id: string, url: string): string => JSON.stringify({ sourceReportId: id, urls: [url] });

/** What an attack must leave as it was: all but the rate counts, which every submission advances. */
const unchanged = (): Promise<Record<string, unknown>> => stack.settled((state) => unchangedView(state, ['KV_relay-rate-limits']));

beforeAll(async () => {
  stack = await startHostileStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a hotline reusing a source report id (attack 6)', () => {
  it('gets 409 naming the conflict over NATS and HTTP for a different report, the first receipt for the same one, and nothing is stored', async () => {
    const iwf = hotlineClient(await stack.busAs('hotline-iwf'), { hotline: 'iwf', country: 'GB', apiKey: DEMO_KEYS.iwf, provenance: { directoryKey: stack.accounts.directoryKey.publicKey } });
    const first = await iwf.submitReport(NATIVE('IWF-REUSED-1', 'http://images.example.nl/gallery/1'));
    expect(first.stream).toBe(StreamName.Reports);
    const before = await unchanged();
    const gateway = stack.pipeline.copies('gateway')[0];
    if (!gateway) throw new Error('no gateway');
    const conflictsBefore = await counterValue(gateway, 'relay_gateway_refusals_total', { rule: 'report-id-conflict' });

    const refused = await iwf.submitReport(NATIVE('IWF-REUSED-1', 'http://images.example.nl/gallery/swapped-secret')).catch((err: unknown) => err);
    expect(isSubmitRefusedError(refused)).toBe(true);
    if (!isSubmitRefusedError(refused)) return;
    expect(refused.problem).toMatchObject({ status: 409, rule: 'report-id-conflict' });
    expect(refused.problem.detail).toContain('IWF-REUSED-1');
    expect(JSON.stringify(refused.problem)).not.toContain('swapped-secret');

    const overHttp = await fetch(`${stack.gatewayUrl}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_KEYS.iwf}`, 'content-type': 'application/json' },
      body: NATIVE('IWF-REUSED-1', 'http://images.example.nl/gallery/swapped-again'),
    });
    expect(overHttp.status).toBe(409);

    expect(await iwf.submitReport(NATIVE('IWF-REUSED-1', 'http://images.example.nl/gallery/1'))).toEqual(first);
    expect(await unchanged()).toEqual(before);
    expect((await counterValue(gateway, 'relay_gateway_refusals_total', { rule: 'report-id-conflict' })) - conflictsBefore).toBe(2);
  });

  it('cannot rebind an id, reset its rate count or read another source’s ids in the gateway’s buckets', async () => {
    const before = await unchanged();
    const probe = await stack.probeAs('hotline-iwf');
    const window = Math.floor(Date.now() / 60_000);
    const forged = [
      ['$KV.relay-intake.iwf.IWF-REUSED-1', JSON.stringify({ digest: 'sha256:forged' })],
      ['$KV.relay-intake.iwf.IWF-NEW-1', JSON.stringify({ digest: 'sha256:forged', seq: 1 })],
      [`$KV.relay-rate-limits.iwf.${window}`, JSON.stringify({ count: 0 })],
      ['$JS.API.DIRECT.GET.KV_relay-intake.$KV.relay-intake.ncmec.171234567', ''],
      ['$JS.API.STREAM.PURGE.KV_relay-intake', '{}'],
    ] as const;
    for (const [subject, body] of forged) probe.nc.publish(subject, new TextEncoder().encode(body));
    for (const [subject] of forged) await probe.denied('publish', subject);
    expect(await unchanged()).toEqual(before);
  });
});
