import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, publishMessage, readStream, streamState, tenantConsumers } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { Audience, decodeMessage, exampleMessage, keyedHash, NoticeKind, RelayType, StreamName, subjects } from '@relay/wire';
import { ackAsTenant, auditRecords } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliTestRelay, startTestRelay } from '../../test/relay.js';
import { ExitCode } from '../errors.js';

const KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
let relay: CliTestRelay;
let bus: Bus;
let dir: string;
let keyFile: string;
beforeAll(async () => {
  relay = await startTestRelay();
  bus = relay.bus;
  dir = mkdtempSync(join(tmpdir(), 'relay-retention-'));
  keyFile = join(dir, 'key');
  writeFileSync(keyFile, `${KEY}\n`);
});
afterAll(async () => {
  await relay?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('relay retention apply', () => {
  it('anonymises referrals and notices past the period into ARCHIVE once their tenants acked, lists those it waits for (exit 5), and audits every run first', async () => {
    const referral = exampleMessage(RelayType.Referral);
    await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, referral, { msgId: `dispatcher:${referral.id}`, origin: 'dispatcher' });
    await publishMessage(bus, subjects.notice('NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT), RelayType.Notice, exampleMessage(RelayType.Notice), { msgId: 'dispatcher:ntc', origin: 'dispatcher' });
    const last = Date.now();
    await waitFor(() => Date.now() > last + 5, { what: 'the clock to move past the last message' });

    const keep = await relay.relay(['retention', 'apply', '--after', '30d', '--key-file', keyFile, '--reason', 'nothing is that old yet']);
    expect(keep.code).toBe(ExitCode.Ok);
    expect(keep.out).toMatch(/^Referrals archived\s+0$/m);
    expect((await streamState(bus, StreamName.Referrals))?.messages).toBe(1);

    // The directory names eokm and the Dutch police, whose consumers do not exist yet: nothing of theirs is erased.
    const waits = await relay.relay(['retention', 'apply', '--after', '1ms', '--key-file', keyFile, '--reason', 'GDPR: before the tenants acked']);
    expect(waits.code).toBe(ExitCode.Incomplete);
    expect(waits.out).toMatch(/^Waiting for hotline-eokm\s+1 on REFERRALS, kept until it acks them \(its consumer does not exist yet/m);
    expect(waits.out).toMatch(/^Waiting for police-nl\s+1 on NOTICES/m);
    expect(waits.err).toContain('2 message(s) past the period wait for hotline-eokm, police-nl to acknowledge them');
    expect((await streamState(bus, StreamName.Referrals))?.messages).toBe(1);
    await ackAsTenant(bus, tenantConsumers.hotlineReferrals('eokm'), RelayType.Referral);
    await ackAsTenant(bus, tenantConsumers.policeNotices('NL'), RelayType.Notice);

    const r = await relay.relay(['retention', 'apply', '--after', '1ms', '--key-file', keyFile, '--reason', 'GDPR: referral payloads past retention']);
    expect(r.err).toBe('');
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toMatch(/^Referrals archived\s+1$/m);
    expect(r.out).toMatch(/^Notices archived\s+1$/m);
    expect(r.out).toMatch(/^Key id\s+[0-9a-f]{12}$/m);
    // Operators may not write relay-cases (0113): the verb says closed cases are the dispatcher's (0118).
    expect(r.out).toMatch(/^Closed cases\s+left to the dispatcher .*decision 0118/m);
    expect((await streamState(bus, StreamName.Referrals))?.messages).toBe(0);
    expect((await streamState(bus, StreamName.Notices))?.messages).toBe(0);

    const archived = [];
    for await (const m of readStream(bus, { stream: StreamName.Archive, filterSubject: 'relay.archive.referral.>' })) archived.push(decodeMessage(RelayType.Referral, m.data));
    expect(archived).toHaveLength(1);
    // The key is the file's content without the newline: the same site gives the same token.
    expect(archived[0]).toMatchObject({ id: keyedHash(new TextEncoder().encode(KEY), referral.id), hotline: 'eokm', jurisdiction: 'NL', url: keyedHash(new TextEncoder().encode(KEY), referral.url) });
    expect(archived[0]?.hosting?.addresses.map((a) => a.ip)).toEqual([keyedHash(new TextEncoder().encode(KEY), '185.107.56.1')]);

    const records = (await auditRecords(bus)).filter((a) => a.action === 'retention-apply');
    expect(records.map((a) => a.reason)).toEqual(['nothing is that old yet', 'GDPR: before the tenants acked', 'GDPR: referral payloads past retention']);
    expect(records[2]?.details).toMatchObject({ after: '1ms', keyId: r.out.match(/^Key id\s+(\S+)$/m)?.[1] });
    expect(JSON.stringify(records, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(KEY);

    const again = await relay.relay(['retention', 'apply', '--after', '1ms', '--key-file', keyFile, '--reason', 'again', '--json']);
    expect(JSON.parse(again.out)).toMatchObject({ referrals: 0, notices: 0, statuses: 0, skipped: 0, waiting: [] });
  });

  it('refuses a missing or short key file with exit code 3, and a bad period or no reason with exit code 2', async () => {
    const missing = await relay.relay(['retention', 'apply', '--after', '30d', '--key-file', join(dir, 'nope'), '--reason', 'x']);
    expect(missing.code).toBe(ExitCode.Data);
    expect(missing.err).toContain('cannot read the key');
    writeFileSync(join(dir, 'short'), 'abc\n');
    const short = await relay.relay(['retention', 'apply', '--after', '30d', '--key-file', join(dir, 'short'), '--reason', 'x']);
    expect(short.code).toBe(ExitCode.Data);
    expect(short.err).toContain('the key has 3 bytes; use at least 32');
    expect((await relay.relay(['retention', 'apply', '--after', 'forever', '--key-file', keyFile, '--reason', 'x'])).code).toBe(ExitCode.Usage);
    expect((await relay.relay(['retention', 'apply', '--after', '30d', '--key-file', keyFile])).code).toBe(ExitCode.Usage);
  });
});
