// The audit verb's plumbing against a real nats-server: the messages are
// written by hand here; test/e2e/audit.test.ts runs it on the real pipeline.
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, openJsonBucket, publishMessage } from '@relay/bus';
import { freePort, type NatsServer, startNatsServer } from '@relay/testkit';
import { Audience, deriveId, exampleMessage, KvBucket, NoticeKind, RelayType, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, runCli } from '../index.js';

let server: NatsServer;
let bus: Bus;

beforeAll(async () => {
  server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'audit-test'));
  await ensureTopology(bus, { replicas: 1 });
});

afterAll(async () => {
  await bus.close();
  await server.dispose();
});

async function relay(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env: { NATS_URL: server.url } });
  return { code, out, err };
}

/** Stores one report of `url` and, unless cut off, what the pipeline would have made of it. */
async function processed(sourceReportId: string, url: string, upTo: 'report' | 'observation' | 'all'): Promise<{ reportId: string; caseId: string }> {
  const reportId = deriveId('rpt', 'ncmec', sourceReportId);
  const report = { ...exampleMessage(RelayType.Report), id: reportId, sourceReportId, urls: [url] };
  await publishMessage(bus, subjects.report('ncmec'), RelayType.Report, report, { msgId: `ncmec:${sourceReportId}`, origin: 'ncmec' });
  const caseId = deriveId('case', url);
  if (upTo === 'report') return { reportId, caseId };
  const base = exampleMessage(RelayType.HostingObservation);
  const observation = {
    ...base,
    id: deriveId('obs', url, reportId),
    url,
    normalizedUrl: url,
    cause: { cause: { $case: 'report' as const, value: { ...exampleMessage(RelayType.HostingObservation).cause?.cause?.value, reportId, source: 'ncmec', sourceReportId } } },
  } as typeof base;
  await publishMessage(bus, subjects.hosting('NL'), RelayType.HostingObservation, observation, { msgId: `locator:${observation.id}`, origin: 'ncmec' });
  if (upTo === 'observation') return { reportId, caseId };
  const referral = { ...exampleMessage(RelayType.Referral), id: deriveId('ref', caseId, 0), caseId, reportId, supersedes: '', hosting: observation };
  await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, referral, { msgId: `dispatcher:${referral.id}`, origin: 'ncmec' });
  const notice = {
    ...exampleMessage(RelayType.Notice),
    id: deriveId('ntc', caseId, referral.id),
    caseId,
    referralId: referral.id,
    kind: NoticeKind.NOTICE_KIND_POLICE_REFERRAL,
    audience: Audience.AUDIENCE_POLICE,
    country: 'NL',
  };
  await publishMessage(bus, subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, notice, {
    msgId: `dispatcher:${notice.id}`,
    origin: 'ncmec',
  });
  const cases = await openJsonBucket(bus, KvBucket.Cases);
  await cases.put(caseId, { id: caseId, status: 'open', routing: { referralId: referral.id, jurisdiction: 'NL', hotline: 'eokm', policeTold: true }, outbox: [] });
  return { reportId, caseId };
}

describe('relay audit', () => {
  it('is clean and exits 0 when every report is accounted for', async () => {
    await processed('A-1', 'http://images.example.nl/a/1', 'all');
    const r = await relay('audit');
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toMatch(/^Reports\s+1$/m);
    expect(r.out).toMatch(/^Routed\s+1$/m);
    expect(r.out).toMatch(/^Lost\s+0$/m);
    expect(r.out).not.toContain('Gaps');
  });

  it('prints each gap and exits 6 when processing was cut off', async () => {
    const cut = await processed('A-2', 'http://images.example.nl/a/2', 'report');
    const noCase = await processed('A-3', 'http://images.example.nl/a/3', 'observation');
    const r = await relay('audit');
    expect(r.code).toBe(ExitCode.Findings);
    expect(r.out).toMatch(/^Lost\s+2$/m);
    expect(r.out).toMatch(new RegExp(`^${cut.reportId}\\s+ncmec\\s+A-2\\s+http://images\\.example\\.nl/a/2\\s+observation\\s`, 'm'));
    expect(r.out).toMatch(new RegExp(`^${noCase.reportId}\\s+ncmec\\s+A-3\\s+http://images\\.example\\.nl/a/3\\s+case\\s+no case ${noCase.caseId}`, 'm'));
    expect(r.err).toBe('relay: 2 report(s) not accounted for, 0 duplicated referral(s) or notice(s)\n');
  });

  it('prints the reconciliation as JSON with --json, and counts a referral stored twice', async () => {
    const { caseId } = await processed('A-4', 'http://images.example.nl/a/4', 'all');
    const referral = { ...exampleMessage(RelayType.Referral), id: deriveId('ref', caseId, 0), caseId };
    await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, referral, { msgId: 'replayed-by-hand:1', origin: 'ncmec' });
    const r = await relay('audit', '--json');
    expect(r.code).toBe(ExitCode.Findings);
    const json = JSON.parse(r.out) as { reports: number; lost: number; duplicated: number; duplicates: { stream: string; rule: string; ids: string[] }[]; gaps: unknown[] };
    expect(json).toMatchObject({ reports: 4, lost: 2, duplicated: 1 });
    expect(json.duplicates).toEqual([expect.objectContaining({ stream: 'REFERRALS', rule: 'same-id', ids: [referral.id] })]);
    expect(json.gaps).toHaveLength(2);
  });

  it('checks only reports stored since --since', async () => {
    const r = await relay('audit', '--since', new Date(Date.now() + 60_000).toISOString(), '--json');
    expect(r.code).toBe(ExitCode.Ok);
    expect(JSON.parse(r.out)).toMatchObject({ reports: 0, lost: 0, duplicated: 0 });
  });

  it('says what to do when NATS_URL is unset, invalid or unreachable', async () => {
    const none = await runCli(['audit'], { out: () => undefined, err: (t) => expect(t).toContain('or set NATS_URL'), env: {} });
    expect(none).toBe(ExitCode.Unavailable);
    const port = await freePort();
    let err = '';
    const down = await runCli(['audit'], { out: () => undefined, err: (t) => (err += t), env: { NATS_URL: `nats://127.0.0.1:${port}` } });
    expect(down).toBe(ExitCode.Unavailable);
    expect(err).toContain(`cannot reach NATS at nats://127.0.0.1:${port}`);
    expect(await relay('audit', '--since', 'yesterday')).toMatchObject({ code: ExitCode.Usage });
  });
});
