import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import {
  Audience,
  exampleMessage,
  Header,
  NoticeKind,
  RelayType,
  type RelayTypeName,
  StreamName,
  subjects,
} from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  busConfigFromEnv,
  type Consumed,
  connectBus,
  consumerLag,
  ensureTopology,
  getStoredMessage,
  PoisonMessageError,
  publishBytes,
  publishMessage,
  readStream,
  runConsumer,
  streamState,
  TransientError,
} from './index.js';

let server: NatsServer;
let bus: Bus;

beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'bus-test'));
  await ensureTopology(bus, { replicas: 1 });
});
afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

const SUBJECT_OF: Record<RelayTypeName, { stream: StreamName; subject: string }> = {
  'relay.v1.Report': { stream: StreamName.Reports, subject: subjects.report('ncmec') },
  'relay.v1.HostingObservation': { stream: StreamName.Hosting, subject: subjects.hosting('NL') },
  'relay.v1.Referral': { stream: StreamName.Referrals, subject: subjects.referral('NL', 'eokm') },
  'relay.v1.Notice': {
    stream: StreamName.Notices,
    subject: subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT),
  },
  'relay.v1.StatusUpdate': { stream: StreamName.Status, subject: subjects.status('eokm') },
  'relay.v1.RecheckRequest': { stream: StreamName.Rechecks, subject: subjects.recheck('NL') },
  'relay.v1.AuditRecord': { stream: StreamName.Audit, subject: subjects.audit('operator-alice', 'replay') },
};

/** Collects what a runner hands its handler until `done` says enough. */
async function consumeUntil<K extends RelayTypeName>(
  durable: string,
  type: K,
  done: (seen: Consumed<unknown>[]) => boolean,
  handler: (m: Consumed<unknown>) => Promise<void> = () => Promise.resolve(),
): Promise<Consumed<unknown>[]> {
  const { stream, subject } = SUBJECT_OF[type];
  const seen: Consumed<unknown>[] = [];
  const runner = await runConsumer(
    bus,
    { stream, durable, filterSubject: subject, types: [type], service: `test-${durable}`, backoffMs: () => 50 },
    async (m) => {
      await handler(m);
      seen.push(m);
    },
  );
  await waitFor(() => done(seen), { what: `messages on ${durable}` });
  await runner.stop();
  return seen;
}

describe('libs/bus on a real nats-server', () => {
  it('creates every stream and bucket once, and is idempotent', async () => {
    const again = await ensureTopology(bus, { replicas: 1 });
    expect(Object.values(again).every((r) => r === 'unchanged')).toBe(true);
    expect(Object.keys(again)).toEqual(expect.arrayContaining(['REPORTS', 'HOSTING', 'REFERRALS', 'NOTICES', 'STATUS', 'DLQ', 'relay-cases']));
  });

  it.each(Object.values(RelayType))('publishes a %s and consumes an equal message with every contract header', async (type) => {
    const { subject } = SUBJECT_OF[type];
    const message = exampleMessage(type);
    const stored = await publishMessage(bus, subject, type, message, { msgId: `test:${type}`, origin: 'ncmec' });
    expect(stored.duplicate).toBe(false);

    const [got] = await consumeUntil(`roundtrip-${type.split('.').pop()?.toLowerCase()}`, type, (seen) => seen.length >= 1);
    expect(got?.message).toEqual(message);
    expect(got?.headers[Header.Type]).toBe(type);
    expect(got?.headers[Header.MsgId]).toBe(`test:${type}`);
    expect(got?.origin).toBe('ncmec');
    expect(got?.headers[Header.TraceParent]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // The handler's own traceparent continues the same trace.
    expect(got?.traceparent.slice(3, 35)).toBe(got?.headers[Header.TraceParent]?.slice(3, 35));
  });

  it('stores a message published twice with the same Nats-Msg-Id once', async () => {
    const before = (await streamState(bus, StreamName.Status))?.messages ?? 0;
    const update = { ...exampleMessage(RelayType.StatusUpdate), id: 'dedup-1' };
    const first = await publishMessage(bus, subjects.status('iwf'), RelayType.StatusUpdate, update, { msgId: 'iwf:dedup-1', origin: 'iwf' });
    const second = await publishMessage(bus, subjects.status('iwf'), RelayType.StatusUpdate, update, { msgId: 'iwf:dedup-1', origin: 'iwf' });
    expect(second).toEqual({ ...first, duplicate: true });
    expect((await streamState(bus, StreamName.Status))?.messages).toBe(before + 1);
  });

  it('sends a poison message to the DLQ with its error and still handles the next one', async () => {
    const subject = subjects.referral('BE', 'child-focus');
    await publishBytes(bus, subject, Uint8Array.from([0xff, 0xff, 0xff]), {
      msgId: 'poison-1',
      origin: 'test',
      headers: { [Header.Type]: RelayType.Referral },
    });
    await publishBytes(bus, subject, new Uint8Array(), { msgId: 'poison-2', origin: 'test', headers: { [Header.Type]: 'relay.v1.Nope' } });
    const good = { ...exampleMessage(RelayType.Referral), id: 'ref_after_poison', hotline: 'child-focus', jurisdiction: 'BE' };
    await publishMessage(bus, subject, RelayType.Referral, good, { msgId: 'good-1', origin: 'test' });
    const refusedByHandler = { ...good, id: 'ref_refused' };
    await publishMessage(bus, subject, RelayType.Referral, refusedByHandler, { msgId: 'good-2', origin: 'test' });

    const handled: string[] = [];
    const runner = await runConsumer(
      bus,
      { stream: StreamName.Referrals, durable: 'poison-test', filterSubject: subject, types: [RelayType.Referral], service: 'poison-test' },
      async (m) => {
        if (m.message.id === 'ref_refused') throw new PoisonMessageError('referral-refused', 'not for this hotline');
        handled.push(m.message.id);
        await Promise.resolve();
      },
    );
    const dlq: { error: string; subject: string; source: string }[] = [];
    await waitFor(async () => {
      dlq.length = 0;
      for await (const m of readStream(bus, { stream: StreamName.Dlq, filterSubject: subjects.dlq('poison-test') })) {
        dlq.push({ error: m.headers[Header.Error] ?? '', subject: m.headers[Header.DlqSubject] ?? '', source: m.headers[Header.DlqSource] ?? '' });
      }
      return dlq.length === 3 && handled.length === 1;
    });
    // Terminated, not left pending to come back after the ack wait.
    await waitFor(async () => (await consumerLag(bus, StreamName.Referrals, 'poison-test'))?.ackPending === 0, { what: 'the poison messages to be terminated' });
    await runner.stop();

    expect(handled).toEqual(['ref_after_poison']);
    expect(dlq.map((d) => d.error.split(':')[0])).toEqual(['decode-failed', 'unknown-message-type', 'referral-refused']);
    expect(dlq.every((d) => d.subject === subject && d.source.startsWith('REFERRALS:'))).toBe(true);
  });

  it('retries a transient failure with backoff until it succeeds', async () => {
    const update = { ...exampleMessage(RelayType.StatusUpdate), id: 'flaky-1' };
    await publishMessage(bus, subjects.status('eokm'), RelayType.StatusUpdate, update, { msgId: 'eokm:flaky-1', origin: 'eokm' });
    let attempts = 0;
    const isFlaky = (m: Consumed<unknown>): boolean => (m.message as { id: string }).id === 'flaky-1';
    const seen = await consumeUntil('flaky', RelayType.StatusUpdate, (all) => all.some(isFlaky), async (m) => {
      if (!isFlaky(m)) return;
      attempts++;
      if (attempts < 3) throw new TransientError('directory not loaded yet');
      await Promise.resolve();
    });
    expect(attempts).toBe(3);
    expect(seen.find(isFlaky)?.deliveryCount).toBe(3);
  });

  it('reads a stored message back by sequence, decoded by its Relay-Type', async () => {
    const stored = await publishMessage(bus, subjects.recheck('DE'), RelayType.RecheckRequest, exampleMessage(RelayType.RecheckRequest), {
      msgId: 'recheck-read-1',
      origin: 'dispatcher',
    });
    const m = await getStoredMessage(bus, StreamName.Rechecks, stored.seq);
    expect(m?.subject).toBe('relay.recheck.DE');
    expect(m?.headers[Header.Type]).toBe(RelayType.RecheckRequest);
  });

  it('redelivers a message whose consumer process was SIGKILLed between handling and ack', async () => {
    const update = { ...exampleMessage(RelayType.StatusUpdate), id: 'crash-1', hotline: 'safeline' };
    await publishMessage(bus, subjects.status('safeline'), RelayType.StatusUpdate, update, { msgId: 'safeline:crash-1', origin: 'safeline' });

    const fixture = fileURLToPath(new URL('../test-fixtures/crash-before-ack.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@relay/source', '--import', 'tsx', fixture], {
      env: { ...process.env, NATS_URL: server.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await waitFor(() => out.includes('handled crash-1'), { timeoutMs: 20_000, what: 'the fixture to handle the message' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const seen: Consumed<{ id: string }>[] = [];
    const runner = await runConsumer(
      bus,
      { stream: StreamName.Status, durable: 'crash-test', filterSubject: 'relay.status.>', types: [RelayType.StatusUpdate], service: 'crash-test', ackWaitMs: 1_000 },
      async (m) => {
        seen.push(m);
        await Promise.resolve();
      },
    );
    await waitFor(() => seen.some((m) => m.message.id === 'crash-1'), { timeoutMs: 15_000, what: 'redelivery' });
    await runner.stop();
    expect(seen.find((m) => m.message.id === 'crash-1')?.deliveryCount).toBeGreaterThanOrEqual(2);
  }, 40_000);
});
