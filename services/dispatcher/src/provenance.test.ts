import { createUser } from '@nats-io/nkeys';
import { type Bus, readStream, signerFromSeed } from '@relay/bus';
import { parseDirectory, publishDirectory } from '@relay/directory';
import { waitFor } from '@relay/testkit';
import { deriveId, errorFromHeader, Header, StatusAction, StreamName } from '@relay/wire';
import { devDirectory, observation, publishedFor, publishObservation, publishStatus, startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxPublished, readCase, signingBus as signingBusTo } from '../test/dispatcher.js';
import { caseIdOf, runDispatcher, createManualClock, type Dispatcher } from './index.js';

const seed = (): string => new TextDecoder().decode(createUser().getSeed());
const KEYS = { locator: seed(), locatorRotated: seed(), eokm: seed(), iwf: seed(), operator: seed() };
const pub = (s: string): string => signerFromSeed(s).publicKey;
const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
let relay: TestRelay;
let dispatcher: Dispatcher;
const signed: Record<string, Bus> = {};
const url = (name: string): string => `http://${name}-${deriveId('u', Math.random()).slice(2, 10)}.example.nl/x`;

const signingBus = (name: string, key: string): Promise<Bus> => signingBusTo(relay.server.url, name, key);

async function applySigners(signers: Record<string, string[]>): Promise<void> {
  const file = devDirectory().file;
  await publishDirectory(relay.bus, parseDirectory({ ...file, signers }));
}

async function dlqCodes(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const m of readStream(relay.bus, { stream: StreamName.Dlq })) {
    out.set(m.headers[Header.DlqMsgId] ?? '', errorFromHeader(m.headers[Header.Error] ?? '').code);
  }
  return out;
}

beforeAll(async () => {
  relay = await startRelay();
  for (const [name, key] of Object.entries(KEYS)) signed[name] = await signingBus(name, key);
  await applySigners({ locator: [pub(KEYS.locator)], eokm: [pub(KEYS.eokm)], iwf: [pub(KEYS.iwf)], 'operator-alice': [pub(KEYS.operator)] });
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher'), settings: { recheckIntervalMs: 3_600_000, tickMs: 20 }, clock });
  await waitFor(() => (dispatcher.stats().directoryRevision ?? 0) > 1);
});
afterAll(async () => {
  await dispatcher?.stop();
  await Promise.all(Object.values(signed).map((b) => b.close()));
  await relay?.dispose();
});

describe('provenance with a directory that names signers', () => {
  it('routes an observation signed by the locator and dead-letters an unsigned one', async () => {
    const good = observation({ url: url('signed'), resolvedAt: clock.now(), cause: { source: 'ncmec' } });
    const forged = observation({ url: url('unsigned'), resolvedAt: clock.now(), cause: { source: 'ncmec' } });
    await publishObservation(signed['locator'] as Bus, good);
    await publishObservation(relay.bus, forged);

    await waitFor(async () => (await publishedFor(relay.bus, caseIdOf(good.url))).referrals.length === 1);
    await waitFor(async () => (await dlqCodes()).get(`locator:${forged.id}`) === 'unsigned');
    expect(await readCase(relay.bus, caseIdOf(forged.url))).toBeUndefined();
  });

  it('accepts an observation an operator re-sent (relay reroute) and refuses one a hotline signed', async () => {
    const byOperator = observation({ url: url('rerouted'), resolvedAt: clock.now(), cause: { source: 'ncmec' } });
    const byHotline = observation({ url: url('by-hotline'), resolvedAt: clock.now(), cause: { source: 'ncmec' } });
    await publishObservation(signed['operator'] as Bus, byOperator);
    await publishObservation(signed['iwf'] as Bus, byHotline);
    await waitFor(async () => (await publishedFor(relay.bus, caseIdOf(byOperator.url))).referrals.length === 1);
    await waitFor(async () => (await dlqCodes()).get(`locator:${byHotline.id}`) === 'signer-not-of-org');
  });

  it('accepts a status only when signed by the hotline whose subject it is on', async () => {
    const o = observation({ url: url('status'), resolvedAt: clock.now(), cause: { source: 'ncmec' } });
    await publishObservation(signed['locator'] as Bus, o);
    const c = await waitFor(async () => {
      const k = await readCase(relay.bus, caseIdOf(o.url));
      return k?.routing && (await outboxPublished(relay.bus, k)) ? k : undefined;
    });
    const update = (id: string) => ({ id, hotline: 'eokm', referralId: c.routing?.referralId ?? '', caseId: c.id, action: StatusAction.STATUS_ACTION_ISP, occurredAt: new Date(clock.now()), note: '' });
    // iwf signs a status and puts it on eokm's subject: a valid signature by the wrong organisation.
    await publishStatus(signed['iwf'] as Bus, update('by-iwf'), 'eokm');
    await waitFor(async () => (await dlqCodes()).get('eokm:by-iwf') === 'signer-not-of-org');
    expect((await readCase(relay.bus, c.id))?.deadline).toBeUndefined();

    await publishStatus(signed['eokm'] as Bus, update('by-eokm'));
    await waitFor(async () => (await readCase(relay.bus, c.id))?.deadline !== undefined);
  });

  it('keeps working across a key rotation applied through the directory', async () => {
    const before = observation({ url: url('rotated'), resolvedAt: clock.now(), cause: { source: 'ncmec' } });
    await publishObservation(signed['locatorRotated'] as Bus, before);
    await waitFor(async () => (await dlqCodes()).get(`locator:${before.id}`) === 'signer-not-of-org');

    await applySigners({ locator: [pub(KEYS.locator), pub(KEYS.locatorRotated)], eokm: [pub(KEYS.eokm)], iwf: [pub(KEYS.iwf)], 'operator-alice': [pub(KEYS.operator)] });
    await waitFor(() => (dispatcher.stats().directoryRevision ?? 0) > 2, { timeoutMs: 30_000 });
    const after = observation({ url: url('rotated-after'), resolvedAt: clock.now(), cause: { source: 'ncmec' } });
    await publishObservation(signed['locatorRotated'] as Bus, after);
    await publishObservation(signed['locator'] as Bus, observation({ url: url('old-key'), resolvedAt: clock.now(), cause: { source: 'ncmec' } }));
    // Under a full CI run (every package's tests at once) the directory's revision and the referral can take longer than 10 s.
    await waitFor(async () => (await publishedFor(relay.bus, caseIdOf(after.url))).referrals.length === 1, { timeoutMs: 30_000 });
  }, 60_000);
});
