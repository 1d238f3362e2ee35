// What a follow round re-drives (decision 0156): only a gap a second read,
// once every replica is current, finds too; nothing while a replica is down.
// A real 3-node cluster; the pipeline is not running, so a stored report is
// never observed and stays a real gap.
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, publishMessage, replicasBehind } from '@relay/bus';
import { type NatsCluster, startNatsCluster, waitFor } from '@relay/testkit';
import { deriveId, exampleMessage, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gap, Reconciliation } from '../reconcile/check.js';
import { reconcile } from '../reconcile/reconcile.js';
import { repairable, repairTarget } from '../reconcile/repair.js';
import { confirmGaps, ReplicasBehindError } from './audit-follow-confirm.js';

let cluster: NatsCluster;
let bus: Bus;
const url = 'http://images.example.nl/confirm/1';
const reportId = deriveId('rpt', 'ncmec', 'CONFIRM-1');
const scope = { since: new Date(Date.now() - 60_000) };
let found: Reconciliation;

beforeAll(async () => {
  cluster = await startNatsCluster();
  // On the first node only: the node killed below is another.
  bus = await connectBus(busConfigFromEnv({ NATS_URL: cluster.nodes[0]?.url ?? '' }, 'audit-confirm-test'));
  await ensureTopology(bus, { replicas: 3 });
  const report = { ...exampleMessage(RelayType.Report), id: reportId, sourceReportId: 'CONFIRM-1', urls: [url] };
  await publishMessage(bus, subjects.report('ncmec'), RelayType.Report, report, { msgId: 'ncmec:CONFIRM-1', origin: 'ncmec' });
  found = await reconcile(bus, scope);
}, 60_000);

afterAll(async () => {
  await bus?.close();
  await cluster?.dispose();
});

const targets = (gaps: readonly Gap[]): string[] => repairable(gaps).map((g) => repairTarget(g) as string);

describe('a follow round before it repairs', () => {
  it('re-drives a gap both reads find, and dismisses one the second read does not find (late, not lost)', async () => {
    expect(targets(found.gaps)).toEqual([`report:${reportId}:${url}`]);
    // As if the first read had caught a report mid-way that the pipeline then finished.
    const late: Gap = { ...(found.gaps[0] as Gap), reportId: 'rpt-late', reportSeq: 99 };
    const confirmed = await confirmGaps(bus, { ...found, gaps: [...found.gaps, late] }, scope, new AbortController().signal);
    expect(confirmed.dismissed).toEqual({ observation: 1 });
    expect(targets(confirmed.toRepair.gaps)).toEqual([`report:${reportId}:${url}`]);
    expect(confirmed.result.lost).toBe(1);
  }, 30_000);

  it('re-drives nothing while a replica of what it read is down', async () => {
    const down = 2;
    await cluster.kill(down);
    try {
      await waitFor(async () => (await replicasBehind(bus, [StreamName.Reports], 0)).length > 0, { timeoutMs: 20_000, what: 'the killed node to show' });
      const refused = confirmGaps(bus, found, scope, AbortSignal.timeout(2_000));
      await expect(refused).rejects.toBeInstanceOf(ReplicasBehindError);
      await expect(refused).rejects.toThrow(`n${down + 1}`);
    } finally {
      await cluster.restart(down);
    }
  }, 60_000);
});
