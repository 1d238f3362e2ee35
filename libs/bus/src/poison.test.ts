import { headers, MsgHdrsImpl } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { connect, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { errorFromHeader, exampleMessage, Header, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, busConfigFromEnv, connectBus, consumerLag, ensureTopology, headerValue, publishMessage, readStream, runConsumer, type StoredMessage } from './index.js';

let server: NatsServer;
let bus: Bus;
let raw: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'poison-test'));
  await ensureTopology(bus, { replicas: 1 });
  raw = await connect({ servers: server.url });
});
afterAll(async () => {
  await raw?.close();
  await bus?.close();
  await server?.dispose();
});

/** Publishes as a hostile tenant would: any header names, any size, straight to the stream. */
async function publishRaw(subject: string, id: string, h: MsgHdrs, data: Uint8Array = Uint8Array.from([0xff, 0xff])): Promise<number> {
  h.set(Header.MsgId, id);
  const ack = await jetstream(raw).publish(subject, data, { headers: h });
  return ack.seq;
}

function hostile(record: Record<string, string>): MsgHdrs {
  const h = headers();
  h.set(Header.Type, RelayType.StatusUpdate);
  for (const k of Object.keys(record)) h.set(k, record[k] ?? '');
  return h;
}

async function dlqEntries(service: string): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  for await (const m of readStream(bus, { stream: StreamName.Dlq, filterSubject: subjects.dlq(service) })) out.push(m);
  return out;
}

describe('a poison message never blocks a consumer', () => {
  it('dead-letters messages with hostile header names, an oversized header and an unparseable header block, terminates them, and handles the next message', async () => {
    const subject = subjects.status('hostile-bus');
    const service = 'poison-bus';
    const seqs = new Map<string, number>();
    seqs.set('constructor', await publishRaw(subject, 'hostile-bus:1', hostile({ constructor: 'c-value', toString: 't-value', hasOwnProperty: 'h-value' })));
    // `['__proto__']` is an own key; `{ __proto__: ... }` would set the prototype.
    seqs.set('proto', await publishRaw(subject, 'hostile-bus:2', hostile({ ['__proto__']: '{"polluted":true}' })));
    // Copied onto the DLQ publish, this would make the server refuse it.
    seqs.set('expected', await publishRaw(subject, 'hostile-bus:3', hostile({ 'Nats-Expected-Stream': StreamName.Status, 'relay-dlq-msg-id': 'ncmec:forged', 'Relay-Error': 'forged: error' })));
    // As large as the server takes: the DLQ entry (the same plus its own headers) cannot fit.
    const room = raw.info?.max_payload ?? 1024 * 1024;
    seqs.set('big', await publishRaw(subject, 'hostile-bus:4', hostile({ 'X-Big': 'x'.repeat(30_000) }), new Uint8Array(room - 30_200).fill(0xff)));
    // Headers just under JetStream's 64 KiB: with the entry's own headers they are over it.
    seqs.set('big-header', await publishRaw(subject, 'hostile-bus:6', hostile({ 'X-Big': 'x'.repeat(65_536 - 200) })));
    // A header name with a space: nats-server stores it, and the client throws reading it.
    seqs.set('unparseable', await publishRaw(subject, 'hostile-bus:5', MsgHdrsImpl.fromRecord({ 'bad name': ['x'], [Header.Type]: [RelayType.StatusUpdate] })));
    const good = { ...exampleMessage(RelayType.StatusUpdate), id: 'after-poison' };
    await publishMessage(bus, subject, RelayType.StatusUpdate, good, { msgId: 'hostile-bus:good', origin: 'hostile-bus' });

    const handled: string[] = [];
    const runner = await runConsumer(
      bus,
      { stream: StreamName.Status, durable: 'poison-bus', filterSubject: subject, types: [RelayType.StatusUpdate], service, backoffMs: () => 50 },
      async (m) => {
        handled.push(m.message.id);
        await Promise.resolve();
      },
    );
    let entries: StoredMessage[] = [];
    await waitFor(async () => (entries = await dlqEntries(service)).length === 6 && handled.length === 1, { what: 'six DLQ entries and the good message' });
    await waitFor(async () => (await consumerLag(bus, StreamName.Status, 'poison-bus'))?.ackPending === 0, { what: 'every poison message to be terminated' });
    await runner.stop();

    expect(handled).toEqual(['after-poison']);
    const bySource = new Map(entries.map((e) => [e.headers[Header.DlqSource], e]));
    const entryOf = (key: string): StoredMessage => {
      const e = bySource.get(`${StreamName.Status}:${seqs.get(key)}`);
      if (!e) throw new Error(`no DLQ entry for ${key}`);
      return e;
    };

    const ctor = entryOf('constructor');
    expect(headerValue(ctor.headers, 'constructor')).toBe('c-value');
    expect(headerValue(ctor.headers, 'toString')).toBe('t-value');
    expect(headerValue(ctor.headers, 'hasOwnProperty')).toBe('h-value');
    expect(errorFromHeader(ctor.headers[Header.Error] ?? '').code).toBe('decode-failed');
    expect([...ctor.data]).toEqual([0xff, 0xff]);

    const proto = entryOf('proto');
    expect(Object.keys(proto.headers)).toContain('__proto__');
    expect(headerValue(proto.headers, '__proto__')).toBe('{"polluted":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const expected = entryOf('expected');
    expect(expected.headers[Header.DlqDropped]).toBe('Nats-Expected-Stream,relay-dlq-msg-id,Relay-Error');
    expect(expected.headers[Header.DlqMsgId]).toBe('hostile-bus:3');
    expect(errorFromHeader(expected.headers[Header.Error] ?? '').code).toBe('decode-failed');
    expect(Object.keys(expected.headers)).not.toContain('Nats-Expected-Stream');

    for (const key of ['big', 'big-header', 'unparseable']) {
      const minimal = entryOf(key);
      expect(minimal.headers[Header.DlqMinimal]).toMatch(/^[a-z-]+: /);
      expect(minimal.headers[Header.DlqSubject]).toBe(subject);
      expect(minimal.headers[Header.DlqService]).toBe(service);
      expect(minimal.data.length).toBe(0);
      expect(Object.keys(minimal.headers)).not.toContain('X-Big');
    }
    expect(entryOf('big').headers[Header.DlqMsgId]).toBe('hostile-bus:4');

    // Operator tools read past the unparseable header block instead of stopping there.
    const stored: StoredMessage[] = [];
    for await (const m of readStream(bus, { stream: StreamName.Status, filterSubject: subject })) stored.push(m);
    expect(stored.map((m) => m.seq)).toEqual([...seqs.values(), Math.max(...seqs.values()) + 1].sort((a, b) => a - b));
    expect(stored.find((m) => m.seq === seqs.get('unparseable'))?.headers).toEqual({});
  });
});
