import { type ChildProcess, spawn } from 'node:child_process';
import { openJsonBucket, streamState } from '@relay/bus';
import { generateDirectoryKey } from '@relay/directory';
import { freePort, waitFor } from '@relay/testkit';
import { Header, KvBucket, RelayType, StreamName } from '@relay/wire';
import { HOSTERS, observation, publishObservation, readAll } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISPATCHER_MAIN as MAIN, type DispatcherProcess, type DispatcherTestRelay, drained, startDispatcherProcess, startDispatcherRelay } from '../test/dispatcher.js';
import { caseSchema } from '@relay/cases';
import { caseIdOf } from './index.js';

const N = 1_500;
let relay: DispatcherTestRelay;
const children: ChildProcess[] = [];

beforeAll(async () => {
  relay = await startDispatcherRelay();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await relay?.dispose();
});

/** Runs `services/dispatcher` as its own process, as production does. */
async function startProcess(): Promise<DispatcherProcess> {
  const p = await startDispatcherProcess(relay, { RELAY_RECHECK_INTERVAL: '15m', RELAY_DISPATCHER_ACK_WAIT: '2s' });
  children.push(p.child);
  return p;
}

const HOSTER_OF = ['NL', 'DE', 'RU'] as const;

describe('the dispatcher process', () => {
  it.each([
    ['RELAY_RECHECK_INTERVAL', 'soon', /RELAY_RECHECK_INTERVAL: must be a duration/],
    ['RELAY_DIRECTORY_FILE', '/nonexistent/directory.json', /RELAY_DIRECTORY_FILE: .*cannot read directory/],
    // Fail closed (decision 0111): no dispatcher runs without a pinned directory key.
    ['RELAY_DIRECTORY_KEY', undefined, /RELAY_DIRECTORY_KEY: is required: the public directory key/],
    ['RELAY_DIRECTORY_KEY', ' , ', /RELAY_DIRECTORY_KEY: must name at least one public directory key/],
  ])('exits with code 2 naming %s when it is bad', async (variable, value, message) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NATS_URL: relay.server.url, RELAY_OPS_PORT: String(await freePort()), RELAY_DIRECTORY_KEY: generateDirectoryKey().publicKey, [variable]: value };
    if (value === undefined) delete env[variable];
    const child = spawn(process.execPath, ['--conditions=@relay/source', '--import', 'tsx', MAIN], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('a dispatcher process killed mid-run', () => {
  it('loses nothing and duplicates nothing after SIGKILL and a restart', async () => {
    // As the locator publishes: signed, since the dispatcher process verifies (decision 0111).
    const bus = relay.locator;
    const urls = Array.from({ length: N }, (_, i) => `http://site${i}.example.org/p`);
    for (let i = 0; i < N; i += 100) {
      await Promise.all(
        urls.slice(i, i + 100).flatMap((u, j) => {
          const hoster = HOSTERS[HOSTER_OF[(i + j) % 3]!];
          const obs = [publishObservation(bus, observation({ url: u, hoster, resolvedAt: 1_000_000, cause: { source: 'ncmec' } }))];
          // Every fifth URL is reported by a second source too.
          if ((i + j) % 5 === 0) obs.push(publishObservation(bus, observation({ url: u, hoster, resolvedAt: 1_000_001, cause: { source: 'iwf' } })));
          return obs;
        }),
      );
    }

    const first = await startProcess();
    await waitFor(async () => ((await streamState(bus, StreamName.Referrals))?.messages ?? 0) >= 50, { timeoutMs: 30_000, what: `referrals from the first process\n${first.output()}` });
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    const atKill = (await streamState(bus, StreamName.Referrals))?.messages ?? 0;
    expect(atKill).toBeLessThan(N);

    const second = await startProcess();
    await waitFor(async () => ((await streamState(bus, StreamName.Referrals))?.messages ?? 0) >= N, { timeoutMs: 60_000, what: `every referral\n${second.output()}` });
    await drained(bus);

    const referrals = await readAll(bus, StreamName.Referrals, RelayType.Referral, 'relay.referral.>');
    const notices = await readAll(bus, StreamName.Notices, RelayType.Notice, 'relay.notice.>');
    expect(referrals).toHaveLength(N);
    expect(new Set(referrals.map((r) => r.message.caseId))).toEqual(new Set(urls.map(caseIdOf)));
    expect(new Set(referrals.map((r) => r.headers[Header.MsgId])).size).toBe(N);
    // One police notice per NL or DE case, one no-hotline notice to ncmec per RU case.
    expect(notices).toHaveLength(N);
    expect(new Set(notices.map((n) => n.message.id)).size).toBe(N);
    expect(notices.filter((n) => n.subject === 'relay.notice.US.hotline.ncmec.no-hotline')).toHaveLength(N / 3);

    const cases = await openJsonBucket(bus, KvBucket.Cases, (raw) => caseSchema.parse(raw));
    const twice = urls.filter((_, i) => i % 5 === 0);
    for (const u of twice.slice(0, 50)) expect((await cases.get(caseIdOf(u)))?.value.sources.sort()).toEqual(['iwf', 'ncmec']);
    // Stopped first: a recheck claim in flight would leave an entry it has not published yet.
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
    // An outbox stays until the case's next write (decision 0140): every referral or notice left in one is published.
    // (A recheck request a kill cut off goes out with the case's next claim, an interval later: decision 0031.)
    const stored = new Set([...referrals, ...notices].map((m) => m.headers[Header.MsgId]));
    let unpublished = 0;
    for await (const key of cases.keys()) {
      unpublished += (await cases.get(key))?.value.outbox.filter((e) => e.type !== RelayType.RecheckRequest && !stored.has(e.msgId)).length ?? 0;
    }
    expect(unpublished).toBe(0);
  }, 120_000);
});
