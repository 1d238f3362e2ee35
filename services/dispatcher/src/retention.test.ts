import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStream, streamState } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { decodeMessage, RelayType, StreamName } from '@relay/wire';
import { observation, publishObservation, startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DispatcherProcess, startDispatcherProcess } from '../test/dispatcher.js';

let relay: TestRelay;
let dispatcher: DispatcherProcess | undefined;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  dispatcher?.child.kill('SIGKILL');
  await relay?.dispose();
});

describe('a dispatcher with retention configured', () => {
  it('anonymises its referrals and notices into ARCHIVE once they are past the period', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-retention-'));
    await writeFile(join(dir, 'anon.key'), 'a-secret-anonymisation-key-of-32+bytes');
    dispatcher = await startDispatcherProcess(relay, { RELAY_ANONYMISE_AFTER: '1s', RELAY_ANONYMISE_KEY_FILE: join(dir, 'anon.key'), RELAY_RETENTION_INTERVAL: '1s' });
    const o = observation({ url: 'http://personal-site.example.nl/gallery/1', resolvedAt: Date.now(), cause: { source: 'ncmec' } });
    await publishObservation(relay.bus, o);

    const archived = await waitFor(
      async () => {
        const out = [];
        for await (const m of readStream(relay.bus, { stream: StreamName.Archive })) out.push(m);
        return out.length >= 2 && (await streamState(relay.bus, StreamName.Referrals))?.messages === 0 ? out : undefined;
      },
      { timeoutMs: 20_000, what: `the referral and its notice in ARCHIVE (dispatcher output: ${dispatcher.output()})` },
    );
    const referral = archived.find((m) => m.subject.startsWith('relay.archive.referral.'));
    expect(referral?.subject).toBe('relay.archive.referral.NL');
    const r = decodeMessage(RelayType.Referral, referral?.data ?? new Uint8Array());
    expect(r.url).toMatch(/^anon:/);
    expect(r.hotline).toBe('eokm');
    expect((await streamState(relay.bus, StreamName.Notices))?.messages).toBe(0);
  }, 40_000);
});
