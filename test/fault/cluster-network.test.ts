// Network faults in the 3-node cluster (issue 21, item 1), through the fault
// proxies on every route: a leader partitioned from the majority for 30 s,
// 200 ms ± 50 ms latency on one route for a minute, one route flapping. Under
// a steady HTTP load; after each, reconciliation accounts for every 202.
// `npm run test:fault -- --long` only (decision 0146): several minutes.
import { KvBucket, StreamName } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { ALL_STREAMS, useFaultCluster } from './cluster-fixture.js';
import { allCurrent, newLeader, streamLeader } from './cluster-state.js';

/** How long a leader stays partitioned from the majority (the 30 s). */
const PARTITION_MS = 30_000;
/** How long one route carries 200 ms ± 50 ms latency (the minute). */
const LATENCY_MS = 60_000;
const CASES = `KV_${KvBucket.Cases}`;

const fc = useFaultCluster('Fault suite, 3-node cluster, network faults', { healer: { every: '20s' } });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the pipeline under steady load in a 3-node cluster with faulty routes', () => {
  it.each([StreamName.Reports, StreamName.Referrals, CASES])('loses and duplicates nothing when the %s leader is partitioned from the majority for 30 s', async (stream) => {
    await fc.phase(`partition-${stream.toLowerCase()}-leader`, async () => {
      const leader = (await streamLeader(fc.cluster, stream))?.index ?? -1;
      expect(leader).toBeGreaterThanOrEqual(0);
      fc.cluster.isolate(leader);
      try {
        // The majority elects a leader of its own; the isolated node's clients get no acks meanwhile.
        await newLeader(fc.cluster, stream, leader);
        await pause(PARTITION_MS);
      } finally {
        fc.cluster.healAll();
      }
      await allCurrent(fc.cluster, ALL_STREAMS);
    });
  });

  it('loses and duplicates nothing with 200 ms ± 50 ms latency on one route for a minute', async () => {
    await fc.phase('latency-200ms-one-route', async () => {
      const leader = (await streamLeader(fc.cluster, StreamName.Reports))?.index ?? 0;
      const link = fc.cluster.link(leader, (leader + 1) % 3);
      link.delay(200, 50);
      try {
        await pause(LATENCY_MS);
      } finally {
        link.heal();
      }
      await allCurrent(fc.cluster, ALL_STREAMS);
    });
  });

  it('loses and duplicates nothing when one route flaps (cut 1 s, up 2 s, ten times)', async () => {
    await fc.phase('flapping-route', async () => {
      const leader = (await streamLeader(fc.cluster, StreamName.Reports))?.index ?? 0;
      const link = fc.cluster.link(leader, (leader + 1) % 3);
      try {
        for (let i = 0; i < 10; i++) {
          link.cut();
          await pause(1_000);
          link.heal();
          await pause(2_000);
        }
      } finally {
        link.heal();
      }
      await allCurrent(fc.cluster, ALL_STREAMS);
    });
  });
});
