// What a duplicate window costs nats-server (opt-in: `npm run bench -- --only windows`; decision 0152).
// The soak's nats-server grew in memory and in GC time for all its half hour: every message id a
// stream's window holds stays in the server's heap until the window passes it (a day on REPORTS,
// REFERRALS, NOTICES, STATUS, DLQ and ARCHIVE). This suite measures that alone, on two fresh
// servers that differ in one thing: one holds a large number of ids in a window, the other was
// filled with the same messages without ids. Both then take the same steady load, ids included.
// It deliberately uses the NATS client directly, not libs/bus: it measures NATS itself.
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { processCpuSeconds, processRssBytes, startNatsServer } from '@relay/testkit';
import type { BenchSuite, Figure } from '../harness.js';
import { paced, windowed } from '../baseline.js';

const STREAM = 'BENCH_WINDOW';
const DAY_NS = 24 * 3600 * 1e9;
/** About the message ids a second the soak gives nats-server at 100 reports/s. */
const STEADY_RATE = 2_000;
const PAYLOAD = new Uint8Array(512);

interface Measured {
  readonly rssAfterFillMb: number;
  /** nats-server's CPU during the steady load, % of one core. */
  readonly steadyCpuPct: number;
}

/** A fresh server, its stream filled with `held` messages (with ids or without), then the steady load. */
async function measure(held: number, ids: boolean, steadySeconds: number): Promise<Measured> {
  const server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
  const nc = await connect({ servers: server.url, noAsyncTraces: true, name: 'bench-windows' });
  try {
    const jsm = await jetstreamManager(nc);
    // Few messages kept (the ids outlive their messages, as in a stream whose limits drop messages before the window passes them).
    await jsm.streams.add({ name: STREAM, subjects: ['bench.window.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, num_replicas: 1, duplicate_window: DAY_NS, max_msgs: 10_000 });
    const js = jetstream(nc);
    // Each with a unique id, or none.
    await windowed(held, (i) => js.publish('bench.window.fill', PAYLOAD, ids ? { msgID: `fill-${i}-0123456789abcdef` } : {}));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const pid = server.pid ?? 0;
    const rssAfterFillMb = processRssBytes(pid) / 1e6;
    const cpuBefore = processCpuSeconds(pid);
    const started = performance.now();
    await paced(STEADY_RATE, STEADY_RATE * steadySeconds, (i) => js.publish('bench.window.steady', PAYLOAD, { msgID: `steady-${i}-0123456789abcdef` }));
    const steadyCpuPct = ((processCpuSeconds(pid) - cpuBefore) / ((performance.now() - started) / 1000)) * 100;
    return { rssAfterFillMb, steadyCpuPct };
  } finally {
    await nc.drain();
    await server.dispose();
  }
}

export const suite: BenchSuite = {
  name: 'windows',
  optIn: true,
  async run(ctx) {
    const held = ctx.quick ? 500_000 : 3_000_000;
    const steadySeconds = ctx.quick ? 15 : 60;
    ctx.log(`${held} messages with ids in a day's window`);
    const withIds = await measure(held, true, steadySeconds);
    ctx.log(`the same without ids`);
    const without = await measure(held, false, steadySeconds);
    const perMillion = ((withIds.rssAfterFillMb - without.rssAfterFillMb) / held) * 1e6;
    const figures: Figure[] = [
      { name: 'message ids held in a duplicate window', value: held, unit: 'ids' },
      { name: 'nats-server RSS holding them', value: withIds.rssAfterFillMb, unit: 'MB' },
      { name: 'nats-server RSS after the same messages without ids', value: without.rssAfterFillMb, unit: 'MB' },
      { name: 'RSS per million ids held', value: perMillion, unit: 'MB' },
      { name: `nats-server CPU at ${STEADY_RATE} publishes/s with ids, holding them`, value: withIds.steadyCpuPct, unit: '% of a core' },
      { name: `nats-server CPU at ${STEADY_RATE} publishes/s with ids, holding none`, value: without.steadyCpuPct, unit: '% of a core' },
    ];
    return figures;
  },
};
