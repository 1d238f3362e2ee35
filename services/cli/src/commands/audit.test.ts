// The audit verb's plumbing against a real nats-server: the messages are
// written by hand here; test/e2e/audit.test.ts runs it on the real pipeline.
import { type JetStreamManager, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, getStoredMessage, openJsonBucket, publishMessage, readStream, recordAudit, streamState } from '@relay/bus';
import { freePort, type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { toOutboxEntry } from '@relay/cases';
import { Audience, decodeMessage, deriveId, exampleMessage, Header, KvBucket, NoticeKind, RecheckReason, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runRelay } from '../../test/relay.js';
import { reconcile } from '../reconcile/reconcile.js';
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
  return runRelay(args, { NATS_URL: server.url });
}

/**
 * Stores one report of `url` and, unless cut off, what the pipeline would have made of it.
 * `decided`: the case is stored with its referral in its outbox, not yet published; `publish` publishes it.
 */
async function processed(
  sourceReportId: string,
  url: string,
  upTo: 'report' | 'observation' | 'decided' | 'all',
  issuedAt = new Date(0),
): Promise<{ reportId: string; caseId: string; publish: () => Promise<void> }> {
  const reportId = deriveId('rpt', 'ncmec', sourceReportId);
  const report = { ...exampleMessage(RelayType.Report), id: reportId, sourceReportId, urls: [url] };
  await publishMessage(bus, subjects.report('ncmec'), RelayType.Report, report, { msgId: `ncmec:${sourceReportId}`, origin: 'ncmec' });
  const caseId = deriveId('case', url);
  const done = { reportId, caseId, publish: () => Promise.resolve() };
  if (upTo === 'report') return done;
  const base = exampleMessage(RelayType.HostingObservation);
  const observation = {
    ...base,
    id: deriveId('obs', url, reportId),
    url,
    normalizedUrl: url,
    cause: { cause: { $case: 'report' as const, value: { ...exampleMessage(RelayType.HostingObservation).cause?.cause?.value, reportId, source: 'ncmec', sourceReportId } } },
  } as typeof base;
  await publishMessage(bus, subjects.hosting('NL'), RelayType.HostingObservation, observation, { msgId: `locator:${observation.id}`, origin: 'ncmec' });
  if (upTo === 'observation') return done;
  const referral = { ...exampleMessage(RelayType.Referral), id: deriveId('ref', caseId, 0), caseId, reportId, supersedes: '', hosting: observation, issuedAt };
  const publish = async (): Promise<void> => {
    await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, referral, { msgId: `dispatcher:${referral.id}`, origin: 'ncmec' });
  };
  if (upTo === 'all') await publish();
  const notice = {
    ...exampleMessage(RelayType.Notice),
    id: deriveId('ntc', caseId, referral.id),
    caseId,
    referralId: referral.id,
    kind: NoticeKind.NOTICE_KIND_POLICE_REFERRAL,
    audience: Audience.AUDIENCE_POLICE,
    country: 'NL',
    issuedAt,
  };
  await publishMessage(bus, subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, notice, {
    msgId: `dispatcher:${notice.id}`,
    origin: 'ncmec',
  });
  const cases = await openJsonBucket(bus, KvBucket.Cases);
  // Only the fields the audit reads, but each as the case record (@relay/cases) types it.
  const routing = { epoch: 0, referralId: referral.id, jurisdiction: 'NL', hotline: 'eokm', hotlineCountry: 'NL', reason: 1, fallback: false, policeTold: true, directoryRevision: 1, issuedAt: issuedAt.getTime() };
  const outbox = upTo === 'decided' ? [toOutboxEntry({ subject: subjects.referral('NL', 'eokm'), type: RelayType.Referral, message: referral, msgId: `dispatcher:${referral.id}` }, undefined)] : [];
  await cases.put(caseId, { id: caseId, status: 'open', routing, outbox });
  return { reportId, caseId, publish };
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
    expect(r.err).toBe('relay: 2 report(s) or rechecked case(s) not accounted for, 0 duplicated referral(s) or notice(s)\n');
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

  it('waits for a decision whose referral is published after the streams were read (a running relay), and exits 0', async () => {
    const since = new Date().toISOString();
    const late = await processed('A-5', 'http://images.example.nl/a/5', 'decided');
    const audit = relay('audit', '--since', since);
    // Long after the audit read REFERRALS, while it waits for what the case says was decided.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await late.publish();
    const r = await audit;
    expect(r.out).toMatch(/^Lost\s+0$/m);
    expect(r.code).toBe(ExitCode.Ok);
  });

  it('from a time (a --follow round), finds what a dispatcher whose clock runs ahead of the server by up to the skew allowed decided since then', async () => {
    const since = new Date();
    // Issued 4 minutes ahead of the server's clock, which stamped its referral and notice now.
    await processed('A-skew', 'http://images.example.nl/a/skew', 'all', new Date(since.getTime() + 4 * 60_000));
    const r = await reconcile(bus, { since, messagesSince: new Date(since.getTime() + 3 * 60_000), settleMs: 0 });
    expect(r).toMatchObject({ reports: 1, lost: 0, referrals: 1, notices: 1, accounted: { routed: 1 } });
    // Issued before that time (and stored before what is read): taken as checked by an earlier round.
    expect(await reconcile(bus, { since, messagesSince: new Date(since.getTime() + 6 * 60_000), settleMs: 0 })).toMatchObject({ lost: 0, referrals: 0, accounted: { routed: 1 } });
  });

  it('reports a decision never published as an outbox gap once --settle has passed', async () => {
    const since = new Date().toISOString();
    const stuck = await processed('A-6', 'http://images.example.nl/a/6', 'decided');
    const r = await relay('audit', '--since', since, '--settle', '300ms');
    expect(r.code).toBe(ExitCode.Findings);
    expect(r.out).toMatch(new RegExp(`^${stuck.reportId}\\s+ncmec\\s+A-6\\s+http://images\\.example\\.nl/a/6\\s+outbox\\s+case ${stuck.caseId} holds 1 unpublished`, 'm'));
    expect(await relay('audit', '--settle', 'soon')).toMatchObject({ code: ExitCode.Usage });
  });

  it('with --repair asks the locator, on RECHECKS under an audit record, for each URL HOSTING has no observation of', async () => {
    expect(await relay('audit', '--repair')).toMatchObject({ code: ExitCode.Usage, err: expect.stringContaining('--repair needs --reason') });
    expect(await relay('audit', '--reason', 'why not')).toMatchObject({ code: ExitCode.Usage, err: expect.stringContaining('go with --repair') });
    const since = new Date().toISOString();
    const lost = await processed('A-7', 'http://images.example.nl/a/7', 'report');

    // No locator runs here: the request is stored, the gap stays, and the output says so.
    const r = await relay('audit', '--since', since, '--repair', '--reason', 'HOSTING lost observations in a partition', '--wait', '0', '--json');
    expect(r.code).toBe(ExitCode.Findings);
    const json = JSON.parse(r.out) as { lost: number; repair: { audit: string; asked: number; targets: string[]; repaired: number; left: { reportId: string }[] } };
    expect(json).toMatchObject({ lost: 1, repair: { asked: 1, targets: [`report:${lost.reportId}:http://images.example.nl/a/7`], repaired: 0, left: [expect.objectContaining({ reportId: lost.reportId })] } });

    const requests = [];
    for await (const m of readStream(bus, { stream: StreamName.Rechecks })) requests.push({ subject: m.subject, origin: m.headers[Header.Origin], request: decodeMessage(RelayType.RecheckRequest, m.data) });
    expect(requests).toEqual([
      {
        subject: 'relay.recheck.XX',
        origin: 'operator',
        request: expect.objectContaining({ url: 'http://images.example.nl/a/7', reason: RecheckReason.RECHECK_REASON_REPAIR, reportId: lost.reportId }),
      },
    ]);
    const at = await getStoredMessage(bus, StreamName.Reports, Number(requests[0]?.request.reportSeq));
    expect(at && decodeMessage(RelayType.Report, at.data).id).toBe(lost.reportId);
    const record = await getStoredMessage(bus, StreamName.Audit, Number(json.repair.audit.split(':')[1]));
    expect(record && decodeMessage(RelayType.AuditRecord, record.data)).toMatchObject({ action: 'audit-repair', reason: 'HOSTING lost observations in a partition', details: { observations: '1', cases: '0', outboxes: '0', targets: `report:${lost.reportId}:http://images.example.nl/a/7` } });

    // As text: what was asked, what is still missing, then the audit as usual.
    const text = await relay('audit', '--since', since, '--repair', '--reason', 'still missing?', '--wait', '0');
    expect(text.code).toBe(ExitCode.Findings);
    expect(text.out).toMatch(/^Repair: sent 1 repair request\(s\); 0 accounted for now, 1 not yet\. Audit record AUDIT:\d+\.$/m);
    expect(text.out).toMatch(new RegExp(`^${lost.reportId}\\s+http://images\\.example\\.nl/a/7\\s+observation\\s`, 'm'));
    expect(text.out).toMatch(/^Lost\s+1$/m);
  });

  it('with --repair asks the locator to recheck a case a recheck moved, no report in scope, whose outbox holds what REFERRALS does not (decision 0161)', async () => {
    const since = new Date().toISOString();
    const url = 'http://images.example.nl/a/moved';
    const caseId = deriveId('case', url);
    const base = exampleMessage(RelayType.HostingObservation);
    const answer = { ...base, id: deriveId('obs', url, 'rck_moved'), url, normalizedUrl: url, country: 'DE', cause: { cause: { $case: 'recheck' as const, value: { recheckId: 'rck_moved', caseId, reason: RecheckReason.RECHECK_REASON_SCHEDULED } } } } as typeof base;
    await publishMessage(bus, subjects.hosting('DE'), RelayType.HostingObservation, answer, { msgId: `locator:${answer.id}`, origin: 'locator' });
    const referral = { ...exampleMessage(RelayType.Referral), id: deriveId('ref', caseId, 1), caseId, jurisdiction: 'DE', hotline: 'eco', issuedAt: new Date() };
    const routing = { epoch: 1, referralId: referral.id, jurisdiction: 'DE', hotline: 'eco', hotlineCountry: 'DE', reason: 1, fallback: false, policeTold: false, directoryRevision: 1, issuedAt: Date.now() };
    const outbox = [toOutboxEntry({ subject: subjects.referral('DE', 'eco'), type: RelayType.Referral, message: referral, msgId: `dispatcher:${referral.id}` }, undefined)];
    await (await openJsonBucket(bus, KvBucket.Cases)).put(caseId, { id: caseId, status: 'open', routing, outbox });

    const r = await relay('audit', '--since', since, '--repair', '--reason', 'REFERRALS lost a relocation', '--wait', '0', '--json');
    expect(r.code).toBe(ExitCode.Findings);
    const json = JSON.parse(r.out) as { reports: number; rechecked: { cases: number }; lost: number; gaps: { caseId: string; missing: string }[]; repair: { targets: string[] } };
    expect(json).toMatchObject({ reports: 0, rechecked: { cases: 1 }, lost: 1, gaps: [{ caseId, missing: 'outbox' }], repair: { targets: [`case:${caseId}`] } });
    const requests = [];
    for await (const m of readStream(bus, { stream: StreamName.Rechecks })) {
      const request = decodeMessage(RelayType.RecheckRequest, m.data);
      if (request.caseId === caseId) requests.push(request);
    }
    expect(requests).toEqual([expect.objectContaining({ caseId, url, reason: RecheckReason.RECHECK_REASON_REPAIR, reportId: '' })]);
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

describe('relay audit and the audit trail', () => {
  // Each scenario tampers with AUDIT, so each has a server of its own; `jsm` acts as an admin would.
  interface Trail {
    readonly bus: Bus;
    readonly jsm: JetStreamManager;
    run(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  }
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function trail(options: { deletable?: boolean } = {}): Promise<Trail> {
    const own = await startNatsServer({}, { ...process.env, NATS_URL: '' });
    cleanups.push(() => own.dispose());
    const nc = await connect({ servers: own.url });
    cleanups.push(() => nc.close());
    const jsm = await jetstreamManager(nc);
    const b = await connectBus(busConfigFromEnv({ NATS_URL: own.url }, 'audit-trail-test'));
    cleanups.push(() => b.close());
    await ensureTopology(b, { replicas: 1 });
    if (options.deletable) {
      // 2.9 cannot lift deny_delete once set: an AUDIT that allows deletes has to be made so, and its mirror after it.
      const mirror = (await jsm.streams.info(StreamName.AuditMirror)).config;
      await jsm.streams.delete(StreamName.AuditMirror);
      await jsm.streams.delete(StreamName.Audit);
      await jsm.streams.add({ name: StreamName.Audit, subjects: ['relay.audit.>'], storage: StorageType.File, deny_delete: false, deny_purge: true });
      await jsm.streams.add(mirror);
    }
    const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const audit = await streamState(b, StreamName.Audit);
      await waitFor(async () => (await streamState(b, StreamName.AuditMirror))?.lastSeq === audit?.lastSeq, { what: 'the mirror to catch up' });
      return runRelay(args, { NATS_URL: own.url });
    };
    return { bus: b, jsm, run };
  }

  async function audited(b: Bus, n: number): Promise<void> {
    for (let i = 1; i <= n; i++) await recordAudit(b, { actor: 'operator-alice', action: 'replay', target: `REFERRALS #${i}`, reason: 'test' });
  }

  it('prints an intact chain, mirrored, and exits 0', async () => {
    const t = await trail();
    await audited(t.bus, 3);
    const r = await t.run('audit');
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toMatch(/^Audit trail\s+3 record\(s\) 1-3, 3 chained, 0 unchained \(legacy\); mirror 3$/m);
    expect(r.out).toMatch(/^Last link\s+[0-9a-f]{64} \(the next record's prev_hash; keep it outside the relay\)$/m);
    expect(r.out).toMatch(/^Trail breaks\s+0$/m);
  });

  it('reports a record deleted from the middle of AUDIT and exits 6', async () => {
    const t = await trail({ deletable: true });
    await audited(t.bus, 3);
    await t.jsm.streams.deleteMessage(StreamName.Audit, 2);
    const r = await t.run('audit');
    expect(r.code).toBe(ExitCode.Findings);
    expect(r.out).toMatch(/^missing\s+AUDIT\s+2\s+record 2 is not in AUDIT \(deleted\); the mirror still holds it$/m);
    expect(r.out).toMatch(/^settings\s+AUDIT\s+-\s+AUDIT settings let records go: deletes allowed$/m);
    expect(r.err).toBe('relay: 2 break(s) in the audit trail\n');
  });

  it('reports a forged record in --json and exits 6', async () => {
    const t = await trail();
    await audited(t.bus, 3);
    const forged = { ...exampleMessage(RelayType.AuditRecord), id: 'aud_forged', prevSeq: 3n, prevHash: Buffer.alloc(32, 1) };
    await publishMessage(t.bus, subjects.audit('operator-alice', 'replay'), RelayType.AuditRecord, forged, { msgId: 'audit:aud_forged', origin: 'mallory' });
    const r = await t.run('audit', '--json');
    expect(r.code).toBe(ExitCode.Findings);
    const json = JSON.parse(r.out) as { lost: number; auditTrail: { records: number; chained: number; breaks: { kind: string; stream: string; seq: number }[] } };
    expect(json.lost).toBe(0);
    expect(json.auditTrail).toMatchObject({ records: 4, chained: 4 });
    expect(json.auditTrail.breaks).toEqual([expect.objectContaining({ kind: 'hash-mismatch', stream: 'AUDIT', seq: 4 })]);
  });

  it('reports AUDIT truncated to its last record from the mirror, also once the limit is put back, and exits 6', async () => {
    const t = await trail();
    await audited(t.bus, 3);
    const config = (await t.jsm.streams.info(StreamName.Audit)).config;
    await t.jsm.streams.update(StreamName.Audit, { ...config, max_msgs: 1 });
    await t.jsm.streams.update(StreamName.Audit, { ...config, max_msgs: -1 });
    const r = await t.run('audit');
    expect(r.code).toBe(ExitCode.Findings);
    expect(r.out).toMatch(/^Audit trail\s+1 record\(s\) 3-3, 1 chained, 0 unchained \(legacy\); mirror 3$/m);
    expect(r.out).toMatch(/^truncated\s+AUDIT\s+1-2\s+2 record\(s\) gone from the start of AUDIT before its max age; the mirror still holds them$/m);
    expect(r.err).toBe('relay: 1 break(s) in the audit trail\n');
  });
});
