// Network faults in the 3-node cluster (issue 21, item 1), through the fault
// proxies on every route: a leader partitioned from the majority for 30 s,
// 200 ms ± 50 ms latency on one route for a minute, one route flapping. Under
// a steady HTTP load; after each, reconciliation accounts for every 202.
// `npm run test:fault -- --long` only (decision 0146): several minutes.
import { consumerAckFloor, openJsonBucket, streamState } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { deriveId, KvBucket, StreamName } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { ALL_STREAMS, useFaultCluster } from './cluster-fixture.js';
import { allCurrent, newLeader, stepDown, streamLeader } from './cluster-state.js';
import { loadUrl } from './load.js';

/** How long a leader stays partitioned from the majority (the 30 s). */
const PARTITION_MS = 30_000;
/** How long one route carries 200 ms ± 50 ms latency (the minute). */
const LATENCY_MS = 60_000;
const CASES = `KV_${KvBucket.Cases}`;

const fc = useFaultCluster('Fault suite, 3-node cluster, network faults', { healer: true });
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

  it('heals a case the server lost, after the next leader election, with no operator (decision 0155)', async () => {
    const fault = 'healed-lost-case';
    await fc.phase(fault, async () => {
      // A case the pipeline has written, then lost by the server (deleted here as break-glass), then a new
      // leader of the case bucket, as in a partition on 2.9.10 (docs/operations.md).
      const caseId = deriveId('case', loadUrl(fault, 0));
      const breakGlass = await fc.busAs('break-glass');
      const cases = await openJsonBucket(breakGlass, KvBucket.Cases);
      await waitFor(async () => (await cases.get(caseId)) !== undefined, { timeoutMs: 60_000, what: `case ${caseId} to be written` });
      // Done with, not just written: the dispatcher has acknowledged the observation it came from (a write whose
      // ack it missed would otherwise be tried again from KV and open the case again by itself).
      const observed = (await streamState(breakGlass, StreamName.Hosting))?.lastSeq ?? 0;
      await waitFor(async () => ((await consumerAckFloor(breakGlass, StreamName.Hosting, 'dispatcher-hosting')) ?? 0) >= observed, {
        timeoutMs: 60_000,
        what: `the dispatcher to acknowledge HOSTING up to ${observed}`,
      });
      await (await openJsonBucket(breakGlass, KvBucket.Cases)).delete(caseId);
      await stepDown(fc.envOf('break-glass'), `KV_${KvBucket.Cases}`);
    });
    // The follower re-drove it: nothing was left for the operator's repair after the audit.
    const row = fc.rows.at(-1);
    expect(row).toMatchObject({ fault, lost: 0, duplicated: 0 });
    expect({ healed: row?.healed, repairedByOperator: row?.repaired ?? 0 }).toEqual({ healed: 1, repairedByOperator: 0 });
  });
});
