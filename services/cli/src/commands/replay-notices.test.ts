import { type Bus, publishMessage } from '@relay/bus';
import { Audience, exampleMessage, type Notice, NoticeKind, RelayType, StreamName } from '@relay/wire';
import { readAll } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliTestRelay, startTestRelay } from '../../test/relay.js';
import { ExitCode } from '../errors.js';

// A short duplicate window on NOTICES stands in for the 24 h an operator waits in production.
const WINDOW_MS = 500;

let relay: CliTestRelay;
let bus: Bus;
beforeAll(async () => {
  relay = await startTestRelay({ duplicateWindowMs: { [StreamName.Notices]: WINDOW_MS } });
  bus = relay.bus;
});
afterAll(async () => {
  await relay?.dispose();
});

/** A hotline notice as versions before decision 0091 stored it: under the country-wide subject. */
async function publishLegacy(id: string, hotline: string): Promise<void> {
  const notice: Notice = { ...exampleMessage(RelayType.Notice), id, kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, audience: Audience.AUDIENCE_HOTLINE, country: 'DE', hotline };
  await publishMessage(bus, 'relay.notice.DE.hotline.case-moved-out', RelayType.Notice, notice, { msgId: `dispatcher:${id}`, origin: 'dispatcher' });
}

describe('relay replay of country-wide hotline notices (decision 0091)', () => {
  it('re-addresses each to the hotline its payload names with {hotline}, and never to another hotline', async () => {
    await publishLegacy('ntc-old-eco', 'eco');
    await publishLegacy('ntc-old-fsm', 'fsm');
    await new Promise((r) => setTimeout(r, WINDOW_MS + 200));

    const wrong = await relay.relay(['replay', '--stream', 'NOTICES', '--subject', 'relay.notice.DE.hotline.*', '--to-subject', 'relay.notice.{3}.hotline.eco.{5}', '--reason', 'test']);
    expect(wrong.code).toBe(ExitCode.Usage);
    expect(wrong.err).toContain("relay.notice.DE.hotline.eco.case-moved-out is hotline eco's, but the notice is addressed to hotline fsm");
    // Checked per message before it is published (decision 0061): eco's went to eco, fsm's nowhere.
    expect((await readAll(bus, StreamName.Notices, RelayType.Notice, 'relay.notice.DE.hotline.*.*')).map((m) => m.message.id)).toEqual(['ntc-old-eco']);

    const r = await relay.relay([
      'replay',
      '--stream',
      'NOTICES',
      '--subject',
      'relay.notice.DE.hotline.*',
      '--to-subject',
      'relay.notice.{3}.hotline.{hotline}.{5}',
      '--reason',
      'per-hotline notices',
      '--json',
    ]);
    expect(r.code, r.err).toBe(ExitCode.Ok);
    const stored = await readAll(bus, StreamName.Notices, RelayType.Notice, 'relay.notice.DE.hotline.*.*');
    expect(stored.map((m) => [m.subject, m.message.id])).toEqual([
      ['relay.notice.DE.hotline.eco.case-moved-out', 'ntc-old-eco'],
      ['relay.notice.DE.hotline.fsm.case-moved-out', 'ntc-old-fsm'],
    ]);
  });
});
