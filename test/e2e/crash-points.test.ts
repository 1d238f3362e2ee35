// The crash-point suite (issue 22, item 4; decision 0142): the dispatcher, run
// as production runs it, is killed with SIGKILL at a deterministic point
// (RELAY_CRASH_AT, which only tests set) right after it wrote a new case, a
// relocation or a status update (`written`: nothing published yet) and right
// after it published that write's messages (`published`: the consumed message
// not yet acked). After a restart every case has exactly one referral per
// routing and one notice per decision, and `relay audit` finds nothing lost
// and nothing duplicated.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, busConfigFromEnv, connectBus } from '@relay/bus';
import { caseIdOf, caseSchema, type CaseState, openCaseView } from '@relay/cases';
import { hotlineClient } from '@relay/client';
import { CRASH_POINTS, type CrashPoint, statusDurable } from '@relay/dispatcher';
import { Header, RelayType, StatusAction, StreamName } from '@relay/wire';
import { drainedConsumer, readAll } from '@relay/testing';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, serviceSigningEnv, type TestAccounts } from './harness/accounts.js';
import { cyberTiplineXml, devZone, postReport, writeZone, type ZoneRecord } from './harness/intake.js';
import { DEMO_KEYS, type Pipeline, REPO_ROOT, ServiceName, startPipeline } from './harness/pipeline.js';
import { settled } from './harness/settle.js';

const DUTCH_HOSTER: ZoneRecord = { a: ['185.107.56.1'] }; // AS43350 NForce, NL
const GERMAN_HOSTER: ZoneRecord = { a: ['5.9.0.1'] }; // Hetzner, DE

let server: NatsServer;
let dir: string;
let zoneFile: string;
let zone: Record<string, ZoneRecord>;
let pipeline: Pipeline;
let accounts: TestAccounts;
/** Reads the streams and the case bucket. */
let bus: Bus;
/** Publishes eokm's statuses: it signs as eokm. */
let eokmBus: Bus;
let reports = 0;

/** Runs the built `relay` as a process, as an operator would. */
function relay(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'services/cli/bin/relay.js'), ...args], { env: { ...process.env, NATS_URL: server.url } }, (error, out, err) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err });
    });
  });
}

/** Reports `url` from NCMEC (each call a new report). */
async function report(url: string): Promise<void> {
  const r = await postReport(pipeline.gatewayUrl(), DEMO_KEYS.ncmec, cyberTiplineXml(`93${String(++reports).padStart(5, '0')}`, [url]), 'application/xml');
  if (!r.ok) throw new Error(`report refused: ${r.status} ${r.body}`);
}

/** Puts `host` on `record` in the locator's zone. */
async function host(name: string, record: ZoneRecord): Promise<void> {
  zone = { ...zone, [name]: record };
  await writeZone(zoneFile, zone);
  // The locator re-reads the zone within a second.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
}

async function readCase(caseId: string): Promise<CaseState | undefined> {
  return (await (await openCaseView(bus, caseSchema)).get(caseId))?.value;
}

/** Everything published about one case: referrals and notices with their message ids. */
async function publishedAbout(caseId: string) {
  const referrals = (await readAll(bus, StreamName.Referrals, RelayType.Referral, 'relay.referral.>')).filter((m) => m.message.caseId === caseId);
  const notices = (await readAll(bus, StreamName.Notices, RelayType.Notice, 'relay.notice.>')).filter((m) => m.message.caseId === caseId);
  return { referrals, notices };
}

/** A routed case whose referral is out, made by the running (uncrashed) dispatcher. */
async function routedCase(url: string): Promise<CaseState> {
  await report(url);
  return waitFor(
    async () => {
      const c = await readCase(caseIdOf(url));
      return c?.routing && (await publishedAbout(c.id)).referrals.length === 1 ? c : undefined;
    },
    { timeoutMs: 30_000, what: `the case of ${url} routed` },
  );
}

/** Restarts the dispatcher set to crash at `point`, runs `trigger`, waits for the SIGKILL, restarts it normally and waits until everything is handled. */
async function crashAt(point: CrashPoint, trigger: () => Promise<void>): Promise<void> {
  await pipeline.restart(ServiceName.Dispatcher, 0, { RELAY_CRASH_AT: point });
  const crashing = pipeline.copies(ServiceName.Dispatcher)[0]!;
  await trigger();
  const code = await Promise.race([crashing.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 30_000))]);
  // Killed by its own SIGKILL: no exit code, and it never logged a drain.
  expect(code, `the dispatcher to kill itself at ${point}\n${crashing.output()}`).toBeNull();
  await pipeline.restart(ServiceName.Dispatcher, 0);
  await settled(bus);
}

/** Exactly one referral per routing epoch and no message id twice; `relay audit` finds nothing lost or duplicated. */
async function exactlyOnce(caseId: string, expected: { referrals: number; notices: number }): Promise<void> {
  const got = await waitFor(
    async () => {
      const p = await publishedAbout(caseId);
      return p.referrals.length >= expected.referrals && p.notices.length >= expected.notices ? p : undefined;
    },
    { timeoutMs: 30_000, what: `${expected.referrals} referral(s) and ${expected.notices} notice(s) about ${caseId}` },
  );
  await settled(bus);
  const again = await publishedAbout(caseId);
  expect(again.referrals).toHaveLength(expected.referrals);
  expect(again.notices).toHaveLength(expected.notices);
  expect(new Set(again.referrals.map((m) => m.headers[Header.MsgId])).size).toBe(expected.referrals);
  expect(new Set(again.notices.map((m) => m.headers[Header.MsgId])).size).toBe(expected.notices);
  expect(new Set(again.referrals.map((m) => m.message.supersedes)).size).toBe(expected.referrals);
  expect(got.referrals.length).toBe(expected.referrals);
  // Every message still in the case's outbox (it stays until the next write, decision 0140) is published.
  const c = await readCase(caseId);
  const stored = new Set([...again.referrals, ...again.notices].map((m) => m.headers[Header.MsgId]));
  expect(c?.outbox.filter((e) => e.type !== RelayType.RecheckRequest && !stored.has(e.msgId))).toEqual([]);
  const audit = await relay('audit', '--json');
  expect(audit.code, audit.out + audit.err).toBe(0);
  expect(JSON.parse(audit.out)).toMatchObject({ lost: 0, duplicated: 0, gaps: [] });
}

beforeAll(async () => {
  server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
  dir = await mkdtemp(join(tmpdir(), 'relay-crash-points-'));
  zoneFile = join(dir, 'zone.json');
  zone = devZone();
  for (const point of CRASH_POINTS) zone[hostOf(point)] = DUTCH_HOSTER;
  await writeZone(zoneFile, zone);
  // Every service signs and verifies, pinning the directory key (decision 0111).
  accounts = await makeTestAccounts();
  pipeline = await startPipeline({ natsUrl: server.url, zoneFile, serviceEnv: serviceSigningEnv(accounts) });
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'crash-points-test'));
  eokmBus = await connectBus(busConfigFromEnv({ NATS_URL: server.url, RELAY_SIGNING_KEY_FILE: accounts.signingKeyFile('hotline-eokm') }, 'crash-points-eokm'));
});

afterAll(async () => {
  await bus?.close();
  await eokmBus?.close();
  await pipeline?.stop();
  await server?.dispose();
  await accounts?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One host per crash point, so each test has cases of its own. */
function hostOf(point: CrashPoint): string {
  return `${point.replace(':', '-')}.example.nl`;
}

describe('the dispatcher killed at each crash point', () => {
  it.each(CRASH_POINTS.filter((p) => p.startsWith('new-case:')))('%s: a new case gets one referral and one police notice', async (point) => {
    const url = `http://${hostOf(point)}/gallery/1`;
    await crashAt(point, () => report(url));
    // NL: a referral to eokm and a notice to the Dutch police.
    await exactlyOnce(caseIdOf(url), { referrals: 1, notices: 1 });
  });

  it.each(CRASH_POINTS.filter((p) => p.startsWith('relocation:')))('%s: a relocation gets one new referral and its notices once', async (point) => {
    const url = `http://${hostOf(point)}/gallery/1`;
    await routedCase(url);
    await host(hostOf(point), GERMAN_HOSTER);
    // A new report of the URL: the locator finds it in Germany now.
    await crashAt(point, () => report(url));
    const c = await readCase(caseIdOf(url));
    expect(c?.routing).toMatchObject({ epoch: 1, jurisdiction: 'DE', hotline: 'eco' });
    // NL police notice; then a referral to eco, the German police notice, case-moved-out to eokm and to the Dutch police.
    await exactlyOnce(caseIdOf(url), { referrals: 2, notices: 4 });
  });

  it.each(CRASH_POINTS.filter((p) => p.startsWith('status:')))('%s: a status closing the case is applied once, and the case keeps its one referral', async (point) => {
    const url = `http://${hostOf(point)}/gallery/1`;
    const c = await routedCase(url);
    const client = hotlineClient(eokmBus, { hotline: 'eokm', country: 'NL', provenance: { directoryKey: accounts.directoryKey.publicKey } });
    await crashAt(point, async () => {
      await client.publishStatus({ id: `cr-${point}`, referralId: c.routing?.referralId ?? '', caseId: c.id, action: StatusAction.STATUS_ACTION_CR, occurredAt: new Date(), note: '' });
    });
    await drainedConsumer(bus, StreamName.Status, statusDurable('eokm'));
    const closed = await readCase(c.id);
    expect(closed?.status).toBe('closed');
    expect(closed?.statuses).toHaveLength(1);
    // A closed case has its outbox cleared at once: nothing writes it again.
    expect(closed?.outbox).toEqual([]);
    await exactlyOnce(c.id, { referrals: 1, notices: 1 });
  });
});
