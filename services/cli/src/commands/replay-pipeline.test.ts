import { type Bus, streamState } from '@relay/bus';
import { runDispatcher, createManualClock, type Dispatcher, Durable } from '@relay/dispatcher';
import { waitFor } from '@relay/testkit';
import { Header, RelayType, StreamName } from '@relay/wire';
import { drainedConsumer, HOSTERS, observation, publishObservation, readAll, testUrl } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliTestRelay, startTestRelay } from '../../test/relay.js';
import { ExitCode } from '../errors.js';

// A short duplicate window on HOSTING lets the test reach the case that matters:
// a replay the stream no longer recognises, which only the dispatcher's derived
// ids and its "not newer than the case" rule can absorb.
const WINDOW_MS = 1_000;
const clock = createManualClock(Date.parse('2026-11-02T09:15:00Z'));
let relay: CliTestRelay;
let bus: Bus;
let dispatcher: Dispatcher;
beforeAll(async () => {
  relay = await startTestRelay({ duplicateWindowMs: { [StreamName.Hosting]: WINDOW_MS } });
  bus = relay.bus;
  dispatcher = await runDispatcher({ bus: await relay.connect('dispatcher'), settings: { recheckIntervalMs: 3_600_000, tickMs: 50, concurrency: 64 }, clock });
  await waitFor(() => dispatcher.ready(), { what: 'the dispatcher to load the directory' });
});
afterAll(async () => {
  await dispatcher?.stop();
  await relay?.dispose();
});

describe('relay replay into the pipeline', () => {
  it('re-publishes HOSTING into relay.hosting.<CC> after the duplicate window and the dispatcher emits no second referral or notice', async () => {
    const t = clock.now();
    const urls = Array.from({ length: 12 }, (_, i) => testUrl(`replayed${i}`));
    for (const [i, u] of urls.entries()) await publishObservation(bus, observation({ url: u, hoster: i % 3 === 0 ? HOSTERS.DE : HOSTERS.NL, resolvedAt: t, cause: { source: 'ncmec' } }));
    // A second source joins one case; another case moves NL -> DE (a relocation).
    await publishObservation(bus, observation({ url: urls[1]!, hoster: HOSTERS.NL, resolvedAt: t + 1, cause: { source: 'iwf' } }));
    await publishObservation(bus, observation({ url: urls[2]!, hoster: HOSTERS.DE, resolvedAt: t + 2, cause: { source: 'eokm' } }));
    await drainedConsumer(bus, StreamName.Hosting, Durable.Hosting);
    const referrals = await readAll(bus, StreamName.Referrals, RelayType.Referral);
    const notices = await readAll(bus, StreamName.Notices, RelayType.Notice);
    expect(referrals).toHaveLength(13);
    expect(notices.length).toBeGreaterThanOrEqual(12);
    const originals = (await readAll(bus, StreamName.Hosting, RelayType.HostingObservation)).map((m) => m.headers[Header.MsgId]);
    expect(originals).toHaveLength(14);

    // Replay until every original has been stored a second time (the first runs fall inside the window).
    const runs = await waitFor(
      async () => {
        const r = await relay.relay(['replay', '--stream', 'HOSTING', '--to-subject', 'original', '--rate', '0', '--reason', 'dispatcher state check', '--json']);
        expect(r.code).toBe(ExitCode.Ok);
        const stored = new Map<string, number>();
        for (const m of await readAll(bus, StreamName.Hosting, RelayType.HostingObservation)) stored.set(m.headers[Header.MsgId] ?? '', (stored.get(m.headers[Header.MsgId] ?? '') ?? 0) + 1);
        return originals.every((id) => (stored.get(id ?? '') ?? 0) >= 2) ? r : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'every observation to be re-stored by a replay' },
    );
    expect(runs.out).toContain('"toSubject": "original"');
    expect((await streamState(bus, StreamName.Hosting))?.messages).toBeGreaterThanOrEqual(28);
    const replayed = await readAll(bus, StreamName.Hosting, RelayType.HostingObservation);
    // Each went back to its own country's subject, with its original origin.
    expect(replayed.filter((m) => m.seq > 14).every((m) => m.subject === `relay.hosting.${m.message.country}` && m.headers[Header.Origin] === 'locator')).toBe(true);

    await drainedConsumer(bus, StreamName.Hosting, Durable.Hosting);
    const referralsAfter = await readAll(bus, StreamName.Referrals, RelayType.Referral);
    const noticesAfter = await readAll(bus, StreamName.Notices, RelayType.Notice);
    expect(referralsAfter.map((m) => m.message.id)).toEqual(referrals.map((m) => m.message.id));
    expect(noticesAfter.map((m) => m.message.id)).toEqual(notices.map((m) => m.message.id));
    expect(new Set(referralsAfter.map((m) => m.message.id)).size).toBe(referralsAfter.length);
  });
});
