// Decision 0154: `relay audit --repair` re-drives a report whose observation,
// then whose case, the server lost, against the relay as production runs it
// (generated accounts, every service as its own user). The losses are made as
// nats-server 2.9.10 made them in partitions (docs/operations.md): the
// locator's consumer is past the report, acknowledged, and HOSTING holds
// nothing for it; later the case is gone from relay-cases.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { openJsonBucket, readStream } from '@relay/bus';
import { ExitCode } from '@relay/cli';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { decodeMessage, deriveId, encodeMessage, exampleMessage, Header, KvBucket, RecheckReason, type Referral, RelayType, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Inbox, inbox } from '../../e2e/harness/collect.js';
import { DEMO_KEYS, ServiceName } from '../../e2e/harness/pipeline.js';
import { type HostileStack, startHostileStack, unchangedView } from './stack.js';

let stack: HostileStack;
let eokm: Inbox<Referral>;
let dir: string;

beforeAll(async () => {
  stack = await startHostileStack();
  eokm = inbox(await (await stack.hotline('eokm', 'NL')).referrals());
  dir = await mkdtemp(join(stack.accounts.dir, 'repair-'));
}, 120_000);

afterAll(async () => {
  await eokm?.close();
  await stack?.stop();
});

const asOperator = (...args: string[]) => stack.relayAs('operator-alice', ...args);

interface AuditJson {
  readonly lost: number;
  readonly duplicated: number;
  readonly gaps: readonly { reportId: string; missing: string }[];
  readonly repair?: { asked: number; repaired: number; left: readonly unknown[] };
}

describe('an observation and a case the server lost after acknowledging them', () => {
  it('are found by the audit, re-driven by the operator’s --repair, and routed once however often the repair runs', async () => {
    await stack.pipeline.kill(ServiceName.Locator);
    const file = join(dir, 'report.json');
    await writeFile(file, JSON.stringify({ sourceReportId: 'IWF-REPAIR-1', urls: ['http://images.example.nl/gallery/lost'] }));
    const submitted = await asOperator('submit', file, '--key', DEMO_KEYS.iwf, '--json');
    expect(submitted.code, submitted.err).toBe(0);
    const { reportId } = JSON.parse(submitted.out) as { reportId: string };

    // The locator's durable consumer moves past the report with nothing in HOSTING.
    const { nc } = await stack.probeAs('break-glass');
    const taken = await (await jetstream(nc).consumers.get(StreamName.Reports, 'locator-reports')).next({ expires: 5_000 });
    expect(taken && decodeMessage(RelayType.Report, taken.data).id).toBe(reportId);
    expect(await taken?.ackAck()).toBe(true);
    await stack.pipeline.restart(ServiceName.Locator);
    await stack.settled();

    const found = await asOperator('audit', '--json');
    expect(found.code).toBe(ExitCode.Findings);
    expect((JSON.parse(found.out) as AuditJson).gaps).toEqual([expect.objectContaining({ reportId, missing: 'observation' })]);
    expect(eokm.received.filter((r) => r.message.reportId === reportId)).toHaveLength(0);

    const repaired = await asOperator('audit', '--repair', '--reason', 'HOSTING lost an observation in a leader partition', '--json');
    expect({ code: repaired.code, err: repaired.err }).toEqual({ code: ExitCode.Ok, err: '' });
    expect(JSON.parse(repaired.out) as AuditJson).toMatchObject({ lost: 0, duplicated: 0, gaps: [], repair: { asked: 1, repaired: 1, left: [] } });
    const referral = await eokm.next((r) => r.message.reportId === reportId, 'the referral of the repaired report');
    expect(referral.message.url).toBe('http://images.example.nl/gallery/lost');

    // A second run finds nothing to re-drive, and nothing goes out twice.
    const again = await asOperator('audit', '--repair', '--reason', 'checking the repair held', '--json');
    expect(JSON.parse(again.out) as AuditJson).toMatchObject({ lost: 0, duplicated: 0, repair: { asked: 0 } });
    await stack.settled();
    expect(eokm.received.filter((r) => r.message.reportId === reportId)).toHaveLength(1);

    // A case the server lost (deleted here, as break-glass): the repair opens it again under the same
    // referral and notice ids, which their streams drop, so the hotline gets nothing twice.
    const caseId = deriveId('case', 'http://images.example.nl/gallery/lost');
    await (await openJsonBucket(await stack.busAs('break-glass'), KvBucket.Cases)).delete(caseId);
    const noCase = await asOperator('audit', '--json');
    expect((JSON.parse(noCase.out) as AuditJson).gaps).toEqual([expect.objectContaining({ reportId, caseId, missing: 'case' })]);
    const reopened = await asOperator('audit', '--repair', '--reason', 'relay-cases lost a case in a leader partition', '--json');
    expect(JSON.parse(reopened.out) as AuditJson).toMatchObject({ lost: 0, duplicated: 0, gaps: [], repair: { asked: 1, repaired: 1, left: [] } });
    await stack.settled();
    expect(eokm.received.filter((r) => r.message.reportId === reportId)).toHaveLength(1);

    // Each repair is on the audit trail in the operator's name (the run with nothing to do wrote none).
    const operator = await stack.busAs('operator-alice');
    const actions: string[] = [];
    for await (const m of readStream(operator, { stream: StreamName.Audit })) actions.push(decodeMessage(RelayType.AuditRecord, m.data).action);
    expect(actions.filter((a) => a === 'audit-repair')).toHaveLength(2);

    // Under least privilege: the operator's request and the locator's read of REPORTS were refused nothing.
    expect(stack.violations()).toEqual([]);
  });

  it('cannot be asked for by a hotline: the server refuses its repair request on relay.recheck, and the broker is unchanged', async () => {
    const before = await stack.settled();
    const p = await stack.probeAs('hotline-eokm');
    const request = { ...exampleMessage(RelayType.RecheckRequest), reason: RecheckReason.RECHECK_REASON_REPAIR, reportId: 'rpt_forged', reportSeq: 1n };
    const headers = natsHeaders();
    // Dressed as an operator's request: the subject is refused before any header is read.
    headers.set(Header.Type, RelayType.RecheckRequest);
    headers.set(Header.Origin, 'operator');
    headers.set(Header.MsgId, 'operator:rck_forged');
    for (const subject of ['relay.recheck.XX', 'relay.recheck.NL']) p.nc.publish(subject, encodeMessage(RelayType.RecheckRequest, request), { headers });
    await p.denied('publish', 'relay.recheck.XX');
    await p.denied('publish', 'relay.recheck.NL');
    expect(unchangedView(await stack.snapshot())).toEqual(before);
  });
});

