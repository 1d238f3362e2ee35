// `relay audit` on the real pipeline: clean after a healthy run; after a
// report whose processing was cut off (accepted while the locator is down)
// and a case key deleted by hand, it names both and exits non-zero.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { type Bus, openJsonBucket } from '@relay/bus';
import { ExitCode, reconcile } from '@relay/cli';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsServer } from '@relay/testkit';
import { deriveId, KvBucket } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cyberTiplineXml, devZone, postReport, type Receipt } from './harness/intake.js';
import { DEMO_KEYS, type Pipeline, REPO_ROOT, ServiceName } from './harness/pipeline.js';
import { settled } from './harness/settle.js';
import { type SignedPipeline, startSignedPipeline } from './harness/signed-pipeline.js';

let e2e: SignedPipeline;
let server: NatsServer;
let pipeline: Pipeline;
let bus: Bus;

/** Runs the built `relay` as a process, as an operator would. */
function relay(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'services/cli/bin/relay.js'), ...args], { env: { ...process.env, NATS_URL: server.url } }, (error, out, err) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err });
    });
  });
}

/** Receipts by the id given to `submit` (a CyberTipline report's source report id is derived by the gateway). */
const receipts = new Map<string, Receipt>();

async function submit(id: string, url: string): Promise<Receipt> {
  const r = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.ncmec, cyberTiplineXml(id, [url]), 'application/xml');
  if (!r.ok) throw new Error(`report ${id} refused: ${r.status} ${r.body}`);
  receipts.set(id, r.receipt);
  return r.receipt;
}

beforeAll(async () => {
  e2e = await startSignedPipeline('audit', devZone());
  ({ server, pipeline, bus } = e2e);
});

afterAll(async () => {
  await e2e?.dispose();
});

describe('relay audit on the running pipeline', () => {
  it('accounts for every report of a healthy run, routed, held and unresolved, and exits 0', async () => {
    await submit('9100001', 'http://images.example.nl/a/1');
    await submit('9100002', 'http://gallery.example.de/a/2');
    await submit('9100003', 'http://intranet.example.com/a/3');
    await submit('9100004', 'http://gone.example.com/a/4');
    await settled(bus);
    const r = await relay('audit', '--json');
    expect(r.code).toBe(ExitCode.Ok);
    expect(JSON.parse(r.out)).toMatchObject({ reports: 4, urls: 4, accounted: { routed: 2, held: 1, unresolved: 1, dlq: 0 }, lost: 0, duplicated: 0, gaps: [] });
  });

  it('counts a report the stopped locator has not taken yet as in flight, names a case that was deleted, and exits 6', async () => {
    await pipeline.kill(ServiceName.Locator);
    const waiting = await submit('9100005', 'http://images.example.nl/a/5');
    const gone = deriveId('case', 'http://images.example.nl/a/1');
    await (await openJsonBucket(bus, KvBucket.Cases)).delete(gone);

    const r = await relay('audit');
    expect(r.code).toBe(ExitCode.Findings);
    // Waiting in the locator's consumer is not lost (decision 0155): it is routed once the locator is back.
    expect(r.out).toMatch(/^In flight\s+1$/m);
    expect(r.out).not.toContain(waiting.reportId);
    expect(r.out).toMatch(/^Lost\s+1$/m);
    const first = receipts.get('9100001');
    expect(r.out).toMatch(new RegExp(`^${first?.reportId}\\s+ncmec\\s+${first?.sourceReportId}\\s+http://images\\.example\\.nl/a/1\\s+case\\s+no case ${gone}`, 'm'));
    expect(r.err).toContain('relay: 1 report(s) or rechecked case(s) not accounted for');
  });

  it('finds the same whether it reads the case bucket whole or case by case, and reads it whole only when the bucket is not far larger than its scope', async () => {
    // A case whose stored value is not a case, beside the deleted one above.
    const cases = await openJsonBucket<unknown>(bus, KvBucket.Cases);
    const broken = deriveId('case', 'http://gallery.example.de/a/2');
    await cases.put(broken, { id: broken, status: 'no such status' });
    // Who reads the bucket whole creates a consumer on its stream; a read per case does not.
    const watcher = await connect({ servers: server.url });
    let created = 0;
    const count = (): void => {
      created++;
    };
    watcher.subscribe('$JS.API.CONSUMER.CREATE.KV_relay-cases', { callback: count });
    watcher.subscribe('$JS.API.CONSUMER.CREATE.KV_relay-cases.>', { callback: count });
    await watcher.flush();
    const consumersCreated = async (): Promise<number> => {
      await watcher.flush();
      return created;
    };

    const whole = await reconcile(bus, { caseReads: 'scan' });
    expect(await consumersCreated()).toBe(1);
    const byCase = await reconcile(bus, { caseReads: 'get' });
    expect(await consumersCreated()).toBe(1);
    expect(whole).toEqual(byCase);
    expect(whole.gaps.map((g) => [g.missing, g.detail.startsWith('no case') ? 'no case' : g.detail])).toEqual(
      expect.arrayContaining([
        ['case', 'no case'],
        ['case-unreadable', expect.stringContaining(`relay-cases/${broken}: stored value is invalid`)],
      ]),
    );

    // The bucket holds the cases of the audit's URLs only (and the deleted one's marker): read whole.
    await reconcile(bus, {});
    expect(await consumersCreated()).toBe(2);
    // Eleven keys more than the audit's five URLs at most: past twice the scope, so case by case, finding the same.
    for (let i = 0; i < 11; i++) await cases.put(`case-elsewhere-${i}`, { id: `case-elsewhere-${i}` });
    expect(await reconcile(bus, {})).toEqual(byCase);
    expect(await consumersCreated()).toBe(2);
    // A value elsewhere in the bucket that is not JSON ends the whole read; the audit reads case by case instead.
    await jetstream(watcher).publish('$KV.relay-cases.case-not-json', 'not json');
    expect(await reconcile(bus, { caseReads: 'scan' })).toEqual(byCase);
    expect(await consumersCreated()).toBe(3);
    await watcher.close();
  });
});
