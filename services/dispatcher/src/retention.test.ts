import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJsonBucket, readStream, streamState, tenantConsumers } from '@relay/bus';
import { ackAsTenant, observation, publishObservation, publishStatus, readAll } from '@relay/testing';
import { waitFor } from '@relay/testkit';
import { deriveId, KvBucket, RelayType, StatusAction, type StatusUpdate, StreamName } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DispatcherProcess, type DispatcherTestRelay, startDispatcherProcess, startDispatcherRelay } from '../test/dispatcher.js';
import { isTombstone, parseStoredCase } from '@relay/cases';

let relay: DispatcherTestRelay;
let dispatcher: DispatcherProcess | undefined;
beforeAll(async () => {
  relay = await startDispatcherRelay();
});
afterAll(async () => {
  dispatcher?.child.kill('SIGKILL');
  await relay?.dispose();
});

describe('a dispatcher with retention configured', () => {
  it('waits for the tenants to ack, then anonymises into ARCHIVE with no URL, IP or unkeyed id left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-retention-'));
    await writeFile(join(dir, 'anon.key'), 'a-secret-anonymisation-key-of-32+bytes');
    dispatcher = await startDispatcherProcess(relay, { RELAY_ANONYMISE_AFTER: '1s', RELAY_ANONYMISE_KEY_FILE: join(dir, 'anon.key'), RELAY_RETENTION_INTERVAL: '1s' });
    const url = 'http://personal-site.example.nl/gallery/1';
    const o = observation({ url, resolvedAt: Date.now(), cause: { source: 'ncmec' } });
    await publishObservation(relay.locator, o);
    const [referral] = await waitFor(async () => {
      const r = await readAll(relay.bus, StreamName.Referrals, RelayType.Referral, 'relay.referral.>');
      return r.length > 0 ? r.map((x) => x.message) : undefined;
    }, { what: 'the referral' });
    const notices = (await readAll(relay.bus, StreamName.Notices, RelayType.Notice, 'relay.notice.>')).map((n) => n.message);
    expect(notices.map((n) => n.country)).toEqual(['NL']);

    // Neither eokm nor the Dutch police have acked: past the period, both stay, and the dispatcher says why.
    await waitFor(() => /retention: waiting for hotline-eokm/.test(dispatcher!.output()) && /retention: waiting for police-nl/.test(dispatcher!.output()), {
      timeoutMs: 20_000,
      what: `the dispatcher to say it waits for hotline-eokm and police-nl (output: ${dispatcher.output()})`,
    });
    expect((await streamState(relay.bus, StreamName.Referrals))?.messages).toBe(1);
    expect((await streamState(relay.bus, StreamName.Archive))?.messages).toBe(0);

    await ackAsTenant(relay.bus, tenantConsumers.hotlineReferrals('eokm'), RelayType.Referral);
    await ackAsTenant(relay.bus, tenantConsumers.policeNotices('NL'), RelayType.Notice);
    const archived = await waitFor(
      async () => {
        const out = [];
        for await (const m of readStream(relay.bus, { stream: StreamName.Archive })) out.push(m);
        const left = ((await streamState(relay.bus, StreamName.Referrals))?.messages ?? 0) + ((await streamState(relay.bus, StreamName.Notices))?.messages ?? 0);
        return out.length >= 2 && left === 0 ? out : undefined;
      },
      { timeoutMs: 20_000, what: `the referral and its notice in ARCHIVE (dispatcher output: ${dispatcher.output()})` },
    );
    expect(archived.map((m) => m.subject).sort()).toEqual(['relay.archive.notice.NL', 'relay.archive.referral.NL']);

    // Every id as the relay derives it from the URL and the report; the case id computed here as the dispatcher does.
    const caseId = deriveId('case', o.normalizedUrl);
    expect(referral?.caseId).toBe(caseId);
    const ids = [caseId, referral!.id, referral!.reportId, o.id, ...notices.map((n) => n.id)];
    const bytes = archived.map((m) => [m.subject, ...Object.entries(m.headers).flat(), Buffer.from(m.data).toString('latin1')].join('\n')).join('\n');
    for (const secret of [url, o.host, o.addresses[0]!.ip, ...ids, ...ids.map((id) => id.slice(id.indexOf('_') + 1))]) expect(bytes).not.toContain(secret);
  }, 60_000);

  it('replaces the case, once closed for longer than the period, by a tombstone without URL or IP (decision 0118)', async () => {
    const url = 'http://personal-site.example.nl/gallery/1';
    const caseId = deriveId('case', url);
    const cases = await openJsonBucket(relay.bus, KvBucket.Cases, parseStoredCase);
    const c = (await cases.get(caseId))?.value;
    if (!c || isTombstone(c)) throw new Error('the first test leaves an open case');
    const u: StatusUpdate = { id: 'cr-1', hotline: 'eokm', referralId: c.routing!.referralId, caseId, action: StatusAction.STATUS_ACTION_CR, occurredAt: new Date(), note: '' };
    await publishStatus(relay.eokm, u);
    const history = await waitFor(
      async () => {
        const h = await cases.history(caseId);
        return h.length === 1 && isTombstone(h[0]!.value) ? h : undefined;
      },
      { timeoutMs: 20_000, what: `the case to become a tombstone (dispatcher output: ${dispatcher?.output()})` },
    );
    expect(JSON.stringify(history[0]!.value)).not.toMatch(/personal-site|185\.107\.56\.1/);
  }, 60_000);
});
