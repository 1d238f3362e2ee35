import { startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, publishReferral, startTestConsole, type TestConsole } from '../test/console.js';
import { formatPosition, parsePosition } from './feed.js';

interface SseEvent {
  id: string;
  data: { stream: string; seq: number; message: { id: string } };
}

/** Reads `count` events from an open SSE response, then cancels it. */
async function readEvents(res: Response, count: number): Promise<SseEvent[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let at;
    while (events.length < count && (at = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id !== undefined && data !== undefined) events.push({ id, data: JSON.parse(data) as SseEvent['data'] });
    }
  }
  await reader.cancel();
  return events;
}

describe('the live feed', () => {
  let relay: TestRelay;
  let console: TestConsole;
  beforeAll(async () => {
    relay = await startRelay();
    console = await startTestConsole(relay.bus, relay.server.url, { anna: { kind: 'hotline', hotline: 'eokm' } });
  });
  afterAll(async () => {
    await console?.stop();
    await relay?.dispose();
  });

  it('sends history, then what is stored later, and resumes after Last-Event-ID without a gap or a repeat', async () => {
    for (let i = 1; i <= 3; i++) await publishReferral(relay.bus, { id: `ref-${i}`, caseId: `case-${i}`, hotline: 'eokm', country: 'NL', url: `http://images.example.nl/${i}` });
    await publishReferral(relay.bus, { id: 'ref-eco', caseId: 'case-eco', hotline: 'eco', country: 'DE', url: 'http://images.example.de/x' });
    const anna = agent(console.url);
    await anna.signIn('anna');
    const first = await readEvents(await anna.fetch('/api/events'), 2);
    expect(first.map((e) => e.data.message.id)).toEqual(['ref-1', 'ref-2']);
    // The connection drops after ref-2; more is stored meanwhile.
    for (let i = 4; i <= 5; i++) await publishReferral(relay.bus, { id: `ref-${i}`, caseId: `case-${i}`, hotline: 'eokm', country: 'NL', url: `http://images.example.nl/${i}` });
    const resumed = await readEvents(await anna.fetch('/api/events', { headers: { 'last-event-id': first.at(-1)!.id } }), 3);
    expect(resumed.map((e) => e.data.message.id)).toEqual(['ref-3', 'ref-4', 'ref-5']);
    // Live: a referral stored while the feed is open arrives on it.
    const live = anna.fetch('/api/events', { headers: { 'last-event-id': resumed.at(-1)!.id } }).then((res) => readEvents(res, 1));
    await publishReferral(relay.bus, { id: 'ref-6', caseId: 'case-6', hotline: 'eokm', country: 'NL', url: 'http://images.example.nl/6' });
    expect((await live).map((e) => e.data.message.id)).toEqual(['ref-6']);
  });

  it('refuses a Last-Event-ID it did not write', async () => {
    const anna = agent(console.url);
    await anna.signIn('anna');
    expect((await anna.fetch('/api/events', { headers: { 'last-event-id': 'R1-$JS.API' } })).status).toBe(400);
    expect(parsePosition('R12-N40')).toEqual({ REFERRALS: 12, NOTICES: 40 });
    expect(formatPosition({ REFERRALS: 12, NOTICES: 40 })).toBe('R12-N40');
    expect(parsePosition('X1')).toBeNull();
  });
});
