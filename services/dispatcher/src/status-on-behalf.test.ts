import { createUser } from '@nats-io/nkeys';
import { type Bus, getStoredMessage, publishBytes, publishMessage, readStream, signatureHeaders, signerFromSeed } from '@relay/bus';
import { parseDirectory, publishDirectory } from '@relay/directory';
import { waitFor } from '@relay/testkit';
import { deriveId, encodeMessage, errorFromHeader, Header, RelayType, StatusAction, type StatusUpdate, StreamName, subjects } from '@relay/wire';
import { devDirectory, observation, publishObservation, startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxPublished, readCase, signingBus as signingBusTo } from '../test/dispatcher.js';
import { caseIdOf, createManualClock, type Dispatcher, runDispatcher } from './index.js';

// Decision 0130: the gateway publishes a hotline's status (POST /v1/status) signed with its own key.
// The dispatcher must accept that signature only on the hotline's own subject, with the signed
// Relay-Origin naming that hotline, and never for an authority's or operator's subject.

const seed = (): string => new TextDecoder().decode(createUser().getSeed());
const KEYS = { locator: seed(), gateway: seed(), eokm: seed(), iwf: seed() };
const pub = (s: string): string => signerFromSeed(s).publicKey;
const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
let relay: TestRelay;
let dispatcher: Dispatcher;
const signed: Record<string, Bus> = {};
const url = (name: string): string => `http://${name}-${deriveId('u', Math.random()).slice(2, 10)}.example.nl/x`;

const signingBus = (name: string, key: string): Promise<Bus> => signingBusTo(relay.server.url, name, key);

async function dlqCode(msgId: string): Promise<string | undefined> {
  for await (const m of readStream(relay.bus, { stream: StreamName.Dlq })) {
    if (m.headers[Header.DlqMsgId] === msgId) return errorFromHeader(m.headers[Header.Error] ?? '').code;
  }
  return undefined;
}

/** A case routed to eokm (an NL hoster), once its referral is out (decision 0140: the outbox stays until the next write). */
async function routedCase(name: string) {
  const o = observation({ url: url(name), resolvedAt: clock.now(), cause: { source: 'ncmec' } });
  await publishObservation(signed['locator'] as Bus, o);
  return waitFor(async () => {
    const k = await readCase(relay.bus, caseIdOf(o.url));
    return k?.routing && (await outboxPublished(relay.bus, k)) ? k : undefined;
  });
}

/** Publishes as the gateway does for `POST /v1/status`: on the subject of `hotline`, origin `origin`, signed with the gateway's key. */
async function asGateway(u: StatusUpdate, hotline: string, origin: string): Promise<{ seq: number }> {
  return publishMessage(signed['gateway'] as Bus, subjects.status(hotline), RelayType.StatusUpdate, u, { msgId: `${hotline}:${u.id}`, origin });
}

beforeAll(async () => {
  relay = await startRelay();
  for (const [name, key] of Object.entries(KEYS)) signed[name] = await signingBus(name, key);
  const file = devDirectory().file;
  const authority = 'authority-nl';
  await publishDirectory(
    relay.bus,
    parseDirectory({ ...file, signers: { locator: [pub(KEYS.locator)], gateway: [pub(KEYS.gateway)], eokm: [pub(KEYS.eokm)], iwf: [pub(KEYS.iwf)], 'operator-alice': [pub(seed())], [authority]: [pub(seed())] } }),
  );
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher'), settings: { recheckIntervalMs: 3_600_000, tickMs: 20 }, clock });
  await waitFor(() => (dispatcher.stats().directoryRevision ?? 0) > 1);
});
afterAll(async () => {
  await dispatcher?.stop();
  await Promise.all(Object.values(signed).map((b) => b.close()));
  await relay?.dispose();
});

describe('a status the gateway publishes on behalf of a hotline (decision 0130)', () => {
  it("is applied on the hotline's own subject when the signed origin names that hotline", async () => {
    const c = await routedCase('on-behalf');
    const u: StatusUpdate = { id: 'http-isp', hotline: 'eokm', referralId: c.routing?.referralId ?? '', caseId: c.id, action: StatusAction.STATUS_ACTION_ISP, occurredAt: new Date(clock.now()), note: '' };
    await asGateway(u, 'eokm', 'eokm');
    await waitFor(async () => (await readCase(relay.bus, c.id))?.deadline !== undefined);
    expect((await readCase(relay.bus, c.id))?.statuses.map((s) => s.id)).toEqual(['http-isp']);
  });

  it("is refused on another hotline's subject, or when the origin names another hotline, and changes nothing", async () => {
    const c = await routedCase('wrong-hotline');
    const u = (id: string, hotline: string): StatusUpdate => ({ id, hotline, referralId: c.routing?.referralId ?? '', caseId: c.id, action: StatusAction.STATUS_ACTION_CR, occurredAt: new Date(clock.now()), note: '' });
    // The gateway acting for iwf (origin iwf) on eokm's subject: not eokm's own origin.
    await asGateway(u('for-iwf', 'eokm'), 'eokm', 'iwf');
    // The gateway acting for eokm on iwf's subject.
    await asGateway(u('on-iwf', 'iwf'), 'iwf', 'eokm');
    await waitFor(async () => (await dlqCode('eokm:for-iwf')) === 'signer-not-of-org');
    await waitFor(async () => (await dlqCode('iwf:on-iwf')) === 'signer-not-of-org');
    expect((await readCase(relay.bus, c.id))?.status).toBe('open');
  });

  it('is never an authority order: the gateway cannot sign for an authority or operator subject', async () => {
    const c = await routedCase('order');
    for (const sender of ['authority-nl', 'operator-alice']) {
      const u: StatusUpdate = { id: `order-${sender}`, hotline: sender, referralId: c.routing?.referralId ?? '', caseId: c.id, action: StatusAction.STATUS_ACTION_AUTHORITY_ORDER, occurredAt: new Date(clock.now()), note: '' };
      await asGateway(u, sender, sender);
      await waitFor(async () => (await dlqCode(`${sender}:${u.id}`)) === 'signer-not-of-org');
    }
    expect((await readCase(relay.bus, c.id))?.deadline).toBeUndefined();
  });

  it("refuses forged gateway headers: a hotline's own signature under the gateway's name, and a gateway-signed status copied to another subject", async () => {
    const c = await routedCase('forged');
    const u: StatusUpdate = { id: 'forged', hotline: 'eokm', referralId: c.routing?.referralId ?? '', caseId: c.id, action: StatusAction.STATUS_ACTION_CR, occurredAt: new Date(clock.now()), note: '' };
    const data = encodeMessage(RelayType.StatusUpdate, u);
    const base = { [Header.MsgId]: 'eokm:forged', [Header.Origin]: 'eokm', [Header.Type]: RelayType.StatusUpdate };
    const eokmKey = signerFromSeed(KEYS.eokm);
    const claimed = signatureHeaders({ publicKey: pub(KEYS.gateway), sign: (b) => eokmKey.sign(b) }, subjects.status('eokm'), data, base);
    await publishBytes(relay.bus, subjects.status('eokm'), data, { msgId: 'eokm:forged', origin: 'eokm', headers: { ...base, ...claimed } });
    await waitFor(async () => (await dlqCode('eokm:forged')) === 'signature-invalid');

    // A genuine gateway-signed status for iwf, copied with every header onto eokm's subject.
    const genuine = await asGateway({ ...u, id: 'copied', hotline: 'iwf' }, 'iwf', 'iwf');
    const stored = await getStoredMessage(relay.bus, StreamName.Status, genuine.seq);
    const headers = Object.fromEntries(Object.entries(stored?.headers ?? {}).filter(([k]) => k !== Header.MsgId));
    await publishBytes(relay.bus, subjects.status('eokm'), stored?.data ?? new Uint8Array(), { msgId: 'eokm:copied', origin: 'iwf', headers });
    await waitFor(async () => (await dlqCode('eokm:copied')) === 'signature-invalid');
    expect((await readCase(relay.bus, c.id))?.status).toBe('open');
  });
});
