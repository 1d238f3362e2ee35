import { type Bus, consumerAckFloor, consumerLag, deleteConsumer, runConsumer } from '@relay/bus';
import { parseDirectory, publishDirectory } from '@relay/directory';
import { waitFor } from '@relay/testkit';
import { deriveId, RelayType, StatusAction, StreamName } from '@relay/wire';
import { devDirectory, observation, publishObservation, publishStatus, startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxPublished, readCase } from '../test/dispatcher.js';
import { type CaseState, caseIdOf, runDispatcher, createManualClock, LEGACY_STATUS_DURABLE, statusDurable } from './index.js';

const HOUR = 3_600_000;
const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
const settings = { recheckIntervalMs: 7 * 24 * HOUR, tickMs: 50 };
let relay: TestRelay;
let bus: Bus;

beforeAll(async () => {
  relay = await startRelay();
  bus = relay.bus;
});
afterAll(async () => {
  await relay?.dispose();
});

async function dutchCase(name: string): Promise<CaseState> {
  const u = `http://${name}-${deriveId('u', Math.random()).slice(2, 10)}.example.nl/x`;
  await publishObservation(bus, observation({ url: u, resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
  return waitFor(async () => {
    const c = await readCase(bus, caseIdOf(u));
    return c?.routing && (await outboxPublished(bus, c)) ? c : undefined;
  });
}

async function isp(c: CaseState): Promise<void> {
  await publishStatus(bus, {
    id: `isp-${c.id.slice(5, 13)}`,
    hotline: 'eokm',
    referralId: c.routing?.referralId ?? '',
    caseId: c.id,
    action: StatusAction.STATUS_ACTION_ISP,
    occurredAt: new Date(clock.now()),
    note: '',
  });
}

describe('upgrading from the single dispatcher-status consumer', () => {
  it('applies what the old consumer had not acknowledged, not what it had, and leaves the old consumer as it was', async () => {
    // Cases made by a dispatcher that is then stopped and its per-hotline consumers removed: the state before the upgrade.
    const before = await runDispatcher({ bus: await relay.connect('dispatcher-before'), settings, clock });
    const [applied, waiting] = [await dutchCase('applied'), await dutchCase('waiting')];
    const durables = before.consumers().filter((c) => c.stream === StreamName.Status);
    await before.stop();
    for (const c of durables) await deleteConsumer(bus, StreamName.Status, c.durable);

    // The old single consumer: it took the first status (acknowledged), then the dispatcher went down before the second.
    await isp(applied);
    const handled: string[] = [];
    const legacy = await runConsumer(
      bus,
      { stream: StreamName.Status, durable: LEGACY_STATUS_DURABLE, filterSubject: 'relay.status.*', types: [RelayType.StatusUpdate], service: 'old-dispatcher', confirmAck: true },
      async (m) => {
        handled.push(m.message.caseId);
        await Promise.resolve();
      },
    );
    await waitFor(() => handled.includes(applied.id), { what: 'the old consumer to take the first status' });
    await legacy.stop();
    const floor = await consumerAckFloor(bus, StreamName.Status, LEGACY_STATUS_DURABLE);
    expect(floor).toBeGreaterThan(0);
    await isp(waiting);

    const after = await runDispatcher({ bus: await relay.connect('dispatcher-after'), settings, clock });
    try {
      await waitFor(async () => (await readCase(bus, waiting.id))?.deadline, { what: 'the status left on the old consumer to be applied' });
      await waitFor(async () => {
        const lag = await consumerLag(bus, StreamName.Status, statusDurable('eokm'));
        return lag?.pending === 0 && lag.ackPending === 0;
      });
      // Started after the old consumer's ack floor: the status it had acknowledged is not taken again.
      expect((await readCase(bus, applied.id))?.deadline).toBeUndefined();
      // Services delete nothing (decision 0097): the old consumer stays, untouched, for an operator to remove.
      expect(await consumerAckFloor(bus, StreamName.Status, LEGACY_STATUS_DURABLE)).toBe(floor);
      expect(after.consumers()).toContainEqual({ stream: StreamName.Status, durable: 'dispatcher-status-eokm' });
    } finally {
      await after.stop();
    }
  }, 60_000);

  it('follows the directory: a hotline added gets its status consumer at once, one removed is stopped once drained', async () => {
    const dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher-follow'), settings, clock });
    try {
      const file = structuredClone(devDirectory().file);
      const eokmEntry = file.hotlines.find((h) => h.id === 'eokm');
      if (!eokmEntry) throw new Error('no eokm in the dev directory');
      const durable = statusDurable('meldpunt-2');
      const has = (): boolean => dispatcher.consumers().some((c) => c.durable === durable);
      expect(has()).toBe(false);

      await publishDirectory(bus, parseDirectory({ ...file, hotlines: [...file.hotlines, { ...eokmEntry, id: 'meldpunt-2', country: 'LI' }] }));
      await waitFor(has, { what: `${durable} to start` });
      expect(await consumerLag(bus, StreamName.Status, durable)).toMatchObject({ pending: 0 });

      await publishDirectory(bus, parseDirectory(file));
      await waitFor(() => !has(), { timeoutMs: 15_000, what: `${durable} to be stopped` });
      // Stopped, not deleted: a hotline that comes back resumes where it was.
      expect(await consumerLag(bus, StreamName.Status, durable)).toBeDefined();
    } finally {
      await dispatcher.stop();
    }
  }, 60_000);
});
