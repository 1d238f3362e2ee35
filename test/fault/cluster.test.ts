// The fault suite in a 3-node JetStream cluster (issue 8, item 3; issue 21,
// item 2): under a steady HTTP load, one at a time, SIGKILL and restart of the
// leader of REPORTS, of a REPORTS follower, and of the leaders of HOSTING,
// REFERRALS, NOTICES and the case bucket. After each, reconciliation accounts
// for every 202 receipt. The network faults are in cluster-network.test.ts.
import { KvBucket, StreamName } from '@relay/wire';
import { describe, expect, it } from 'vitest';
import { ALL_STREAMS, REPORTS_PER_FAULT, useFaultCluster } from './cluster-fixture.js';
import { allCurrent, newLeader, streamLeader } from './cluster-state.js';
import type { Load } from './load.js';

/** Receipts the load should collect while a node is down, before it is restarted. */
const WHILE_DOWN = 300;
const CASES = `KV_${KvBucket.Cases}`;

const fc = useFaultCluster('Fault suite, 3-node cluster, streams R3');

/**
 * Kills node `index`, lets the load run on the other two for a while (up to
 * the load's end: an election can take long enough for it to finish),
 * restarts it, whatever happened meanwhile, and waits until it caught up.
 */
async function downAndBack(index: number, load: Load, electFor?: string): Promise<void> {
  await fc.cluster.kill(index);
  try {
    if (electFor !== undefined) await newLeader(fc.cluster, electFor, index);
    await load.accepted(Math.min(load.receipts.size + WHILE_DOWN, REPORTS_PER_FAULT));
  } finally {
    await fc.cluster.restart(index);
  }
  await allCurrent(fc.cluster, ALL_STREAMS);
}

describe('the pipeline under steady load in a 3-node cluster', () => {
  it('loses and duplicates nothing when the REPORTS leader is SIGKILLed and restarted', async () => {
    await fc.phase('sigkill-reports-leader', async (load) => {
      const leader = await streamLeader(fc.cluster, StreamName.Reports);
      expect(leader).toBeDefined();
      await downAndBack(leader?.index ?? -1, load, StreamName.Reports);
    });
  });

  it('loses and duplicates nothing when a REPORTS follower is SIGKILLed and restarted', async () => {
    await fc.phase('sigkill-reports-follower', async (load) => {
      const leader = await streamLeader(fc.cluster, StreamName.Reports);
      const follower = leader?.followers[0];
      expect(follower).toBeDefined();
      await downAndBack(follower ?? -1, load);
    });
  });

  it.each([StreamName.Hosting, StreamName.Referrals, StreamName.Notices, CASES])('loses and duplicates nothing when the %s leader is SIGKILLed and restarted', async (stream) => {
    await fc.phase(`sigkill-${stream.toLowerCase()}-leader`, async (load) => {
      const leader = await streamLeader(fc.cluster, stream);
      expect(leader).toBeDefined();
      await downAndBack(leader?.index ?? -1, load, stream);
    });
  });
});

