// Issue 21, item 4: JetStream reaches its storage limit. Intake answers 503
// `store-full` (never a 202 that is not stored), what was acked stays, an
// operator sees it on /metrics, and intake resumes by itself when space returns.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { DEMO_KEYS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/gateway.js';

let dir: string;
let server: NatsServer;
let t: TestGateway;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-store-full-'));
  // A server whose whole JetStream store may hold 3 MB; the relay's streams set no byte reservations.
  server = await startNatsServer({ jetstream: false, dir, extraConfig: `jetstream { store_dir: ${JSON.stringify(dir)}, max_file_store: 3MB }` });
  t = await startTestGateway({ RELAY_PUBLISH_ATTEMPTS: '2' }, { server });
});

afterAll(async () => {
  await t?.dispose();
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const submit = (id: string) =>
  fetch(`${t.gateway.url}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_KEYS.eokm}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sourceReportId: id, urls: [`https://example.org/full/${id}`] }),
  });

const storeFullRefusals = async (): Promise<number> => {
  const text = await (await fetch(`${t.gateway.opsUrl}/metrics`)).text();
  return Number(/^relay_gateway_refusals_total\{status="503",rule="store-full"[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
};

describe('a full JetStream store', () => {
  it('answers 503 store-full while full, keeps what it acked, and takes reports again once space returns', async () => {
    const before = await Promise.all(['kept-1', 'kept-2', 'kept-3'].map(submit));
    expect(before.map((r) => r.status)).toEqual([202, 202, 202]);

    // Something else fills the store (another stream of the same server), as a backlog would.
    const nc = await connect({ servers: server.url, noAsyncTraces: true });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'FILLER', subjects: ['filler.>'] });
    const js = jetstream(nc);
    const chunk = new Uint8Array(16 * 1024);
    let full = false;
    for (let i = 0; i < 1_000 && !full; i++) await js.publish('filler.x', chunk).catch(() => (full = true));
    expect(full).toBe(true);

    const refused = await submit('while-full');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ status: 503, rule: 'store-full', type: 'urn:relay:problem:store-full' });
    const overNats = await t.nats({ key: DEMO_KEYS.eokm, type: 'application/json', body: JSON.stringify({ sourceReportId: 'while-full-nats', urls: ['https://example.org/full/n'] }) });
    expect(overNats).toMatchObject({ status: 503, json: { rule: 'store-full' } });
    expect(await storeFullRefusals()).toBeGreaterThanOrEqual(2);
    expect(await t.reportCount()).toBe(3);

    // Space returns: the same report, resent, is stored without any restart.
    await jsm.streams.purge('FILLER');
    const resent = await submit('while-full');
    expect(resent.status).toBe(202);
    expect(await t.reportCount()).toBe(4);
    const ids = [];
    for (let seq = 1; seq <= 4; seq++) ids.push((await t.storedReport(seq)).report.sourceReportId);
    expect(ids.sort()).toEqual(['kept-1', 'kept-2', 'kept-3', 'while-full']);
    await nc.close();
  });
});
