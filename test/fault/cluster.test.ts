// The fault suite in a 3-node JetStream cluster (issue 8, item 3; issue 21):
// streams R3 (RELAY_REPLICAS=3), the services connected to every node, every
// route through a fault proxy of the testkit. Under a steady HTTP load, one
// fault at a time: SIGKILL and restart of the leader of each stream and bucket
// that matters and of a follower; a partition of a leader from the majority;
// latency with jitter on one route; a flapping link. After each,
// reconciliation accounts for every 202 receipt.
// Streams are created once and never deleted and re-created under the same
// name: on 2.9.10 that loses acknowledged messages after a node restart (docs/nats-notes.md §3.6).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, KV_SPECS, STREAM_SPECS } from '@relay/bus';
import { type NatsCluster, startNatsCluster } from '@relay/testkit';
import { KvBucket, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, serviceAccountEnv, type TestAccounts } from '../e2e/harness/accounts.js';
import { devZone, writeZone } from '../e2e/harness/intake.js';
import { type Pipeline, startPipeline } from '../e2e/harness/pipeline.js';
import { allCurrent, fullyHealthy, newLeader, streamLeader } from './cluster-state.js';
import type { Load } from './load.js';
import { type FaultRow, faultTable, runFault } from './verdict.js';
import { LONG } from './long.js';

const REPORTS_PER_FAULT = 1_500;
const PER_SECOND = 100;
/** Receipts the load must collect while a node is down, before it is restarted. */
const WHILE_DOWN = 300;
/** How long a leader stays partitioned from the majority (the 30 s). */
const PARTITION_MS = 30_000;
/** How long one route carries 200 ms ± 50 ms latency: a minute, or 20 s in CI's run (`--long` for the minute). */
const LATENCY_MS = LONG ? 60_000 : 20_000;
const CASES = `KV_${KvBucket.Cases}`;
const ALL_STREAMS = [...STREAM_SPECS.map((s) => s.name), ...KV_SPECS.map((k) => `KV_${k.bucket}`)];

let cluster: NatsCluster;
let accounts: TestAccounts;
let dir: string;
let pipeline: Pipeline;
let bus: Bus;
const rows: FaultRow[] = [];

beforeAll(async () => {
  // A restarted 2.9.10 node never reports idle R3 consumers (the tenants') current, so
  // readiness is "JetStream up", and catching up is checked on the relay's streams.
  // As production runs it: the generated accounts, provisioned by the admin identity, every
  // service as its own user; the reconciliation reads as an operator.
  accounts = await makeTestAccounts();
  cluster = await startNatsCluster({ readyTimeoutMs: 60_000, healthQuery: '?js-enabled-only=true', extraConfig: accounts.generated.config, faultProxies: true });
  await fullyHealthy(cluster);
  await provisionAsAdmin(accounts, cluster.url, 3);
  dir = await mkdtemp(join(tmpdir(), 'relay-fault-cluster-'));
  await writeZone(join(dir, 'zone.json'), devZone());
  pipeline = await startPipeline({ natsUrl: cluster.url, zoneFile: join(dir, 'zone.json'), replicas: 3, serviceEnv: serviceAccountEnv(accounts, cluster.url) });
  bus = await accounts.busAs('operator-alice', cluster.url);
  await allCurrent(cluster, ALL_STREAMS);
});

afterAll(async () => {
  console.log(faultTable(`Fault suite, 3-node cluster, streams R3 (${REPORTS_PER_FAULT} reports per fault at ${PER_SECOND}/s over HTTP)`, rows));
  await bus?.close();
  await pipeline?.stop();
  await cluster?.dispose();
  await accounts?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Kills node `index`, lets the load run on the other two for a while, restarts it and waits until it caught up. */
async function downAndBack(index: number, load: Load, electFor?: string): Promise<void> {
  await cluster.kill(index);
  if (electFor !== undefined) await newLeader(cluster, electFor, index);
  await load.accepted(load.receipts.size + WHILE_DOWN);
  await cluster.restart(index);
  await allCurrent(cluster, ALL_STREAMS);
}

const phase = (fault: string, inject: (load: Load) => Promise<void>): Promise<void> =>
  runFault({ bus, pipeline, fault, reports: REPORTS_PER_FAULT, perSecond: PER_SECOND, inject, record: (row) => rows.push(row) });

describe('the pipeline under steady load in a 3-node cluster', () => {
  it('loses and duplicates nothing when the REPORTS leader is SIGKILLed and restarted', async () => {
    await phase('sigkill-reports-leader', async (load) => {
      const leader = await streamLeader(cluster, StreamName.Reports);
      expect(leader).toBeDefined();
      await downAndBack(leader?.index ?? -1, load, StreamName.Reports);
    });
  });

  it('loses and duplicates nothing when a REPORTS follower is SIGKILLed and restarted', async () => {
    await phase('sigkill-reports-follower', async (load) => {
      const leader = await streamLeader(cluster, StreamName.Reports);
      const follower = leader?.followers[0];
      expect(follower).toBeDefined();
      await downAndBack(follower ?? -1, load);
    });
  });

  it.each([StreamName.Hosting, StreamName.Referrals, StreamName.Notices, CASES])('loses and duplicates nothing when the %s leader is SIGKILLed and restarted', async (stream) => {
    await phase(`sigkill-${stream.toLowerCase()}-leader`, async (load) => {
      const leader = await streamLeader(cluster, stream);
      expect(leader).toBeDefined();
      await downAndBack(leader?.index ?? -1, load, stream);
    });
  });

  it.each([StreamName.Reports, StreamName.Referrals, CASES])(
    'loses and duplicates nothing when the %s leader is partitioned from the majority for 30 s',
    async (stream) => {
      await phase(`partition-${stream.toLowerCase()}-leader`, async () => {
        const leader = (await streamLeader(cluster, stream))?.index ?? -1;
        expect(leader).toBeGreaterThanOrEqual(0);
        cluster.isolate(leader);
        // The majority elects a leader of its own; the isolated node's clients get no acks meanwhile.
        await newLeader(cluster, stream, leader);
        await pause(PARTITION_MS);
        cluster.healAll();
        await allCurrent(cluster, ALL_STREAMS);
      });
    },
  );

  it('loses and duplicates nothing with 200 ms ± 50 ms latency on one route', async () => {
    await phase('latency-200ms-one-route', async () => {
      const leader = (await streamLeader(cluster, StreamName.Reports))?.index ?? 0;
      const link = cluster.link(leader, (leader + 1) % 3);
      link.delay(200, 50);
      await pause(LATENCY_MS);
      link.heal();
      await allCurrent(cluster, ALL_STREAMS);
    });
  });

  it('loses and duplicates nothing when one route flaps (cut 1 s, up 2 s, ten times)', async () => {
    await phase('flapping-route', async () => {
      const leader = (await streamLeader(cluster, StreamName.Reports))?.index ?? 0;
      const link = cluster.link(leader, (leader + 1) % 3);
      for (let i = 0; i < 10; i++) {
        link.cut();
        await pause(1_000);
        link.heal();
        await pause(2_000);
      }
      await allCurrent(cluster, ALL_STREAMS);
    });
  });
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
