// What `relay audit --follow` waits for before it repairs (decision 0156):
// every replica of the streams it read current. A real 3-node cluster, one
// node killed and restarted.
import { type NatsCluster, type NatsServer, startNatsCluster, startNatsServer, waitFor } from '@relay/testkit';
import { KvBucket, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, replicasBehind } from './index.js';
import { internals } from './connection.js';

let cluster: NatsCluster;
let bus: Bus;

beforeAll(async () => {
  cluster = await startNatsCluster();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: cluster.url }, 'replicas-test'));
  await ensureTopology(bus, { replicas: 3 });
}, 60_000);

afterAll(async () => {
  await bus?.close();
  await cluster?.dispose();
});

const watched = [StreamName.Reports, `KV_${KvBucket.Cases}`];

describe('replicas behind', () => {
  it('is empty once every replica is current, names the node that is down, and is empty again once it has caught up', async () => {
    expect(await replicasBehind(bus, watched, 30_000)).toEqual([]);

    // A follower of REPORTS that this client is not connected to, so the client and the leader stay where they are.
    const leader = (await internals(bus).jsm.streams.info(StreamName.Reports)).cluster?.leader;
    const mine = internals(bus).nc.info?.server_name;
    const down = cluster.nodes.findIndex((_, i) => ![leader, mine].includes(`n${i + 1}`));
    await cluster.kill(down);
    // One look each time (no wait): the leader notices the node is gone within a few seconds.
    let behind: string[] = [];
    await waitFor(async () => (behind = await replicasBehind(bus, [StreamName.Reports], 0)).length > 0, { timeoutMs: 20_000, what: 'the killed node to show' });
    expect(behind).toEqual([expect.stringMatching(new RegExp(`^REPORTS: n${down + 1} (offline|\\d+ behind|not heard from for \\d+s)$`))]);

    await cluster.restart(down);
    expect(await replicasBehind(bus, watched, 60_000)).toEqual([]);
  }, 120_000);

  it('stops waiting when told to, with what was still behind', async () => {
    const missing = await replicasBehind(bus, ['NO_SUCH_STREAM'], 60_000, AbortSignal.timeout(1_000));
    expect(missing).toEqual([expect.stringMatching(/^NO_SUCH_STREAM: .*not found/)]);
  });
});

describe('replicas behind on a single server', () => {
  let server: NatsServer;
  let single: Bus;
  beforeAll(async () => {
    server = await startNatsServer();
    single = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'replicas-single'));
    await ensureTopology(single, { replicas: 1 });
  });
  afterAll(async () => {
    await single?.close();
    await server?.dispose();
  });

  it('is empty: a stream of one replica has nothing to catch up', async () => {
    expect(await replicasBehind(single, watched, 1_000)).toEqual([]);
  });
});
