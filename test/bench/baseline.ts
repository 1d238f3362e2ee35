// The raw JetStream limit of this machine. It deliberately uses the NATS client
// directly, not libs/bus: it measures NATS itself, the yardstick for our code.
import { AckPolicy, jetstream, jetstreamManager, type JetStreamClient, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type Baseline, type LatencyFigures, percentiles } from './harness.js';

const STREAM = 'BENCH_RAW';
const SIZE = 1024;

/** Measures publish, consume and single-hop latency on `natsUrl`, then removes its stream. */
export async function measureBaseline(natsUrl: string, quick: boolean, log: (l: string) => void): Promise<Baseline> {
  const nc = await connect({ servers: natsUrl, noAsyncTraces: true, name: 'bench-baseline' });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  try {
    const count = quick ? 20_000 : 100_000;
    await reset(nc);
    const publishPerSec = await publishRate(js, count);
    log(`baseline: publish ${Math.round(publishPerSec)} msg/s`);
    const consumePerSec = await consumeRate(js, nc, count);
    log(`baseline: consume ${Math.round(consumePerSec)} msg/s`);
    await reset(nc);
    const singleHopPerSec = await singleHopRate(js, nc, count);
    log(`baseline: single hop (publish + consume at once) ${Math.round(singleHopPerSec)} msg/s`);
    const latency: Record<string, LatencyFigures> = {};
    for (const rate of [100, 1_000]) {
      await reset(nc);
      latency[`at${rate}`] = await singleHopLatency(js, nc, rate, quick ? 3 : 10);
      log(`baseline: latency at ${rate}/s p50 ${latency[`at${rate}`]?.p50.toFixed(2)} ms p99 ${latency[`at${rate}`]?.p99.toFixed(2)} ms`);
    }
    await jsm.streams.delete(STREAM);
    return { messageBytes: SIZE, publishPerSec, consumePerSec, singleHopPerSec, latency };
  } finally {
    await nc.drain();
  }
}

async function reset(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(STREAM).catch(() => undefined);
  await jsm.streams.add({
    name: STREAM,
    subjects: ['bench.raw.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: 1,
    duplicate_window: 120 * 1e9,
  });
}

function payload(i: number): Uint8Array {
  const p = new Uint8Array(SIZE);
  new DataView(p.buffer).setFloat64(0, performance.timeOrigin + performance.now());
  new DataView(p.buffer).setUint32(8, i);
  return p;
}

async function publishRate(js: JetStreamClient, count: number): Promise<number> {
  const started = performance.now();
  await windowed(count, (i) => js.publish('bench.raw.pub', payload(i), { msgID: `b:${i}` }));
  return count / ((performance.now() - started) / 1000);
}

async function consumeRate(js: JetStreamClient, nc: NatsConnection, count: number): Promise<number> {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(STREAM, { durable_name: 'bench', ack_policy: AckPolicy.Explicit, filter_subject: 'bench.raw.pub' });
  const consumer = await js.consumers.get(STREAM, 'bench');
  const started = performance.now();
  let got = 0;
  const messages = await consumer.consume({ max_messages: 500 });
  for await (const m of messages) {
    m.ack();
    if (++got >= count) break;
  }
  await messages.close();
  return count / ((performance.now() - started) / 1000);
}

/** Publishes `count` messages (window 256) while a consumer drains them: rate until the last is consumed. */
async function singleHopRate(js: JetStreamClient, nc: NatsConnection, count: number): Promise<number> {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(STREAM, { durable_name: 'hop', ack_policy: AckPolicy.Explicit, filter_subject: 'bench.raw.hop' });
  const consumer = await js.consumers.get(STREAM, 'hop');
  const messages = await consumer.consume({ max_messages: 500 });
  const started = performance.now();
  const reading = (async () => {
    let got = 0;
    for await (const m of messages) {
      m.ack();
      if (++got >= count) break;
    }
  })();
  await windowed(count, (i) => js.publish('bench.raw.hop', payload(i), { msgID: `h:${i}` }));
  await reading;
  const rate = count / ((performance.now() - started) / 1000);
  await messages.close();
  return rate;
}

/** Publishes at a fixed rate for `seconds` while a consumer records publish -> delivery time. */
async function singleHopLatency(js: JetStreamClient, nc: NatsConnection, rate: number, seconds: number): Promise<LatencyFigures> {
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(STREAM, { durable_name: 'lat', ack_policy: AckPolicy.Explicit, filter_subject: 'bench.raw.lat' });
  const consumer = await js.consumers.get(STREAM, 'lat');
  const total = rate * seconds;
  const samples: number[] = [];
  const messages = await consumer.consume({ max_messages: 500 });
  const reading = (async () => {
    for await (const m of messages) {
      samples.push(performance.timeOrigin + performance.now() - new DataView(m.data.buffer, m.data.byteOffset).getFloat64(0));
      m.ack();
      if (samples.length >= total) break;
    }
  })();
  await paced(rate, total, (i) => js.publish('bench.raw.lat', payload(i), { msgID: `l:${rate}:${i}` }));
  await reading;
  await messages.close();
  return percentiles(samples, rate);
}

/** Calls `send(i)` `total` times, `window` at once: each batch is awaited before the next starts. */
export async function windowed(total: number, send: (i: number) => Promise<unknown>, window = 256): Promise<void> {
  let inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    inFlight.push(send(i));
    if (inFlight.length >= window) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
}

/** Calls `send(i)` `total` times at `rate` per second, in 10 ms ticks, without awaiting each. */
export async function paced(rate: number, total: number, send: (i: number) => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    while (sent < due) {
      const one = send(sent++);
      // Handled now, reported by Promise.all below: a rejection mid-run must not end the process as unhandled.
      one.catch(() => undefined);
      pending.push(one);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(pending);
}
