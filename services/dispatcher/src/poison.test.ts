import { type Bus, consumerLag, headerValue, publishBytes, publishMessage, readStream, type StoredMessage } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { deriveId, Header, RelayType, StatusAction, type StatusUpdate, StreamName, subjects } from '@relay/wire';
import { HOSTERS, observation, publishObservation, publishStatus, startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxPublished, readCase } from '../test/dispatcher.js';
import { type CaseState, caseIdOf, runDispatcher, createManualClock, type Dispatcher, statusDurable } from './index.js';

const HOUR = 3_600_000;
/** nats-server's default max_payload; the testkit server keeps it. */
const MAX_PAYLOAD = 1024 * 1024;
const HOSTILE = 'eokm';
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty'] as const;
const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
let relay: TestRelay;
let bus: Bus;
let dispatcher: Dispatcher;

beforeAll(async () => {
  relay = await startRelay();
  bus = relay.bus;
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher'), settings: { recheckIntervalMs: 7 * 24 * HOUR, tickMs: 50 }, clock });
});
afterAll(async () => {
  await dispatcher?.stop();
  await relay?.dispose();
});

/** Opens a German case and returns it once referred (to one of the German hotlines, not the hostile one). */
async function germanCase(): Promise<CaseState> {
  const u = `http://victim-${deriveId('u', Math.random()).slice(2, 10)}.example.de/x`;
  await publishObservation(bus, observation({ url: u, hoster: HOSTERS.DE, resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
  return waitFor(async () => {
    const c = await readCase(bus, caseIdOf(u));
    return c?.routing && (await outboxPublished(bus, c)) ? c : undefined;
  });
}

/** A well-formed status about a case that does not exist: refused, so it goes down the DLQ path. */
function poisonStatus(i: number): StatusUpdate {
  return {
    id: `poison-${i}`,
    hotline: HOSTILE,
    referralId: 'ref_none',
    caseId: `case_${'0'.repeat(28)}${i.toString(16).padStart(4, '0')}`,
    action: StatusAction.STATUS_ACTION_ISP,
    occurredAt: new Date(clock.now()),
    note: '',
  };
}

/** The routed hotline of `victim` reports its notice to the hoster (ISP), which starts the case's deadline. */
async function victimSendsIsp(victim: CaseState): Promise<void> {
  await publishStatus(bus, {
    id: `isp-${victim.id.slice(5, 13)}`,
    hotline: victim.routing?.hotline ?? '',
    referralId: victim.routing?.referralId ?? '',
    caseId: victim.id,
    action: StatusAction.STATUS_ACTION_ISP,
    occurredAt: new Date(clock.now()),
    note: '',
  });
}

async function dlqOf(subject: string): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  for await (const m of readStream(bus, { stream: StreamName.Dlq, filterSubject: subjects.dlq('dispatcher') })) if (m.headers[Header.DlqSubject] === subject) out.push(m);
  return out;
}

describe('one hotline sending poison statuses', () => {
  it('cannot stop another hotline status from being applied, and every poison message ends in the DLQ, terminated', async () => {
    const victim = await germanCase();
    const victimHotline = victim.routing?.hotline ?? '';
    expect(victimHotline).not.toBe(HOSTILE);
    const subject = subjects.status(HOSTILE);

    const POISON = 300;
    for (let i = 0; i < POISON; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => {
          const n = i + j;
          const name = NAMES[n % NAMES.length] ?? 'constructor';
          return publishMessage(bus, subject, RelayType.StatusUpdate, poisonStatus(n), { msgId: `${HOSTILE}:poison-${n}`, origin: HOSTILE, headers: { [name]: `hostile-${n}` } });
        }),
      );
    }
    // Headers just under JetStream's 64 KiB limit: with the DLQ entry's own headers they are over it.
    await publishMessage(bus, subject, RelayType.StatusUpdate, poisonStatus(POISON), {
      msgId: `${HOSTILE}:big-header`,
      origin: HOSTILE,
      headers: { 'X-Pad': 'x'.repeat(65_536 - 250) },
    });
    // A message as large as the server takes: its DLQ entry (the same plus its own headers) is not.
    const room = MAX_PAYLOAD - 300;
    await publishBytes(bus, subject, new Uint8Array(room).fill(0xff), { msgId: `${HOSTILE}:big-payload`, origin: HOSTILE, headers: { [Header.Type]: RelayType.StatusUpdate } });

    await victimSendsIsp(victim);
    // The victim's status is applied: its case now has a removal deadline.
    await waitFor(async () => (await readCase(bus, victim.id))?.deadline, { timeoutMs: 30_000, what: `the status of ${victimHotline} to be applied` });

    const entries = await waitFor(async () => {
      const e = await dlqOf(subject);
      return e.length === POISON + 2 ? e : undefined;
    }, { timeoutMs: 60_000, what: 'every poison message in the DLQ' });
    await waitFor(async () => {
      const lag = await consumerLag(bus, StreamName.Status, statusDurable(HOSTILE));
      return lag?.pending === 0 && lag.ackPending === 0;
    }, { what: 'the poison messages to be terminated' });

    const byMsgId = new Map(entries.map((e) => [e.headers[Header.DlqMsgId], e]));
    for (let n = 0; n < POISON; n++) {
      const entry = byMsgId.get(`${HOSTILE}:poison-${n}`);
      const name = NAMES[n % NAMES.length] ?? 'constructor';
      // The full entry, the hostile header carried intact.
      expect(entry && headerValue(entry.headers, name)).toBe(`hostile-${n}`);
      expect(entry?.headers[Header.DlqMinimal]).toBeUndefined();
    }
    for (const id of ['big-header', 'big-payload']) {
      const entry = byMsgId.get(`${HOSTILE}:${id}`);
      expect(entry?.headers[Header.DlqMinimal], id).toBeDefined();
      expect(entry?.headers[Header.DlqSource]).toMatch(/^STATUS:\d+$/);
      expect(entry?.data.length).toBe(0);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  it('cannot make another hotline wait behind its own backlog: each hotline has its own consumer and window', async () => {
    const victim = await germanCase();
    const victimHotline = victim.routing?.hotline ?? '';
    const FLOOD = 3_000;
    for (let i = 0; i < FLOOD; i += 250) {
      await Promise.all(
        Array.from({ length: 250 }, (_, j) =>
          publishMessage(bus, subjects.status(HOSTILE), RelayType.StatusUpdate, { ...poisonStatus(10_000 + i + j), id: `flood-${i + j}` }, { msgId: `${HOSTILE}:flood-${i + j}`, origin: HOSTILE }),
        ),
      );
    }
    await victimSendsIsp(victim);
    await waitFor(async () => (await readCase(bus, victim.id))?.deadline, { timeoutMs: 30_000, intervalMs: 10, what: `the status of ${victimHotline} to be applied` });
    // Applied while most of the flood, published before it, is still waiting on the sender's own consumer.
    const flood = await consumerLag(bus, StreamName.Status, statusDurable(HOSTILE));
    expect(flood?.pending).toBeGreaterThan(FLOOD / 2);
    const victims = await consumerLag(bus, StreamName.Status, statusDurable(victimHotline));
    expect(victims).toMatchObject({ pending: 0 });
    expect(dispatcher.consumers()).toContainEqual({ stream: StreamName.Status, durable: statusDurable(victimHotline) });
  }, 120_000);
});
