import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAccounts } from '@relay/accounts';
import { type Bus, busConfigFromEnv, connectBus, publishBytes, publishMessage } from '@relay/bus';
import type { NatsServer } from '@relay/testkit';
import { Audience, encodeMessage, exampleMessage, Header, NoticeKind, RelayType, subjects } from '@relay/wire';
import { startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRelay } from '../../test/relay.js';
import { ExitCode } from '../index.js';

let testRelay: TestRelay;
let server: NatsServer;
let bus: Bus;
let signed: Bus;
let dir: string;
let signerKey: string;

beforeAll(async () => {
  testRelay = await startRelay({ directory: false });
  ({ server, bus } = testRelay);
  // A signing service, as a generated account's nkey makes one.
  const user = generateAccounts({ hotlines: [], policeCountries: [], authorityCountries: [], operators: [] }).users.find((u) => u.name === 'dispatcher');
  if (!user) throw new Error('no dispatcher user generated');
  signerKey = user.publicKey;
  dir = await mkdtemp(join(tmpdir(), 'relay-inspect-'));
  await writeFile(join(dir, 'dispatcher.nk'), user.seed);
  signed = await connectBus(busConfigFromEnv({ NATS_URL: server.url, RELAY_SIGNING_KEY_FILE: join(dir, 'dispatcher.nk') }, 'dispatcher'));
});

afterAll(async () => {
  await signed?.close();
  await testRelay?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function relay(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runRelay(args, { NATS_URL: server.url });
}

describe('relay inspect', () => {
  it('shows a stored message: where it is, who signed it, its headers and its payload decoded by Relay-Type', async () => {
    const notice = {
      ...exampleMessage(RelayType.Notice),
      id: 'ntc-inspect',
      kind: NoticeKind.NOTICE_KIND_POLICE_REFERRAL,
      audience: Audience.AUDIENCE_POLICE,
      country: 'NL',
      summary: 'A URL hosted in NL was referred to hotline eokm.',
    };
    const stored = await publishMessage(signed, subjects.notice('NL', notice.audience, notice.kind), RelayType.Notice, notice, { msgId: 'dispatcher:ntc-inspect', origin: 'dispatcher' });
    const r = await relay('inspect', 'notices', String(stored.seq));
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toMatch(new RegExp(`^Stream +NOTICES #${stored.seq}$`, 'm'));
    expect(r.out).toMatch(/^Type +relay\.v1\.Notice$/m);
    expect(r.out).toMatch(/^Summary +notice police-referral to police \(NL\): .* - A URL hosted in NL was referred to hotline eokm\.$/m);
    expect(r.out).toMatch(new RegExp(`^Signer +${signerKey}$`, 'm'));
    expect(r.out).toMatch(/^Relay-Signature +\S+$/m);
    expect(r.out).toContain('"id": "ntc-inspect"');
    expect(r.out).toContain('"kind": "NOTICE_KIND_POLICE_REFERRAL"');

    const json = await relay('inspect', 'NOTICES', String(stored.seq), '--json');
    expect(JSON.parse(json.out)).toMatchObject({
      stream: 'NOTICES',
      seq: stored.seq,
      type: 'relay.v1.Notice',
      headers: { [Header.Signer]: signerKey, [Header.MsgId]: 'dispatcher:ntc-inspect' },
      message: { id: 'ntc-inspect', audience: 'AUDIENCE_POLICE' },
    });
  });

  it('says which hotline a hotline notice is addressed to, and reads one stored under the country-wide subject of earlier versions', async () => {
    const notice = { ...exampleMessage(RelayType.Notice), audience: Audience.AUDIENCE_HOTLINE, country: 'DE', hotline: 'fsm', kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT };
    const addressed = await publishMessage(signed, subjects.notice('DE', notice.audience, notice.kind, 'fsm'), RelayType.Notice, { ...notice, id: 'ntc-fsm' }, { msgId: 'dispatcher:ntc-fsm', origin: 'dispatcher' });
    const legacy = await publishMessage(signed, 'relay.notice.DE.hotline.case-moved-out', RelayType.Notice, { ...notice, id: 'ntc-old' }, { msgId: 'dispatcher:ntc-old', origin: 'dispatcher' });
    const a = await relay('inspect', 'notices', String(addressed.seq));
    expect(a.code, a.err).toBe(ExitCode.Ok);
    expect(a.out).toMatch(/^Addressed to +hotline fsm \(DE\)$/m);
    const l = await relay('inspect', 'notices', String(legacy.seq));
    expect(l.code, l.err).toBe(ExitCode.Ok);
    expect(l.out).toMatch(/^Addressed to +every hotline of DE \(country-wide subject of earlier versions, decision 0091\)$/m);
    expect(l.out).toContain('"id": "ntc-old"');
  });

  it('shows why a dead letter failed and where it came from, even when its payload does not decode', async () => {
    const stored = await publishBytes(bus, subjects.dlq('locator'), new Uint8Array([0xff, 0xff, 0xff]), {
      msgId: 'dlq:REPORTS:41',
      origin: 'ncmec',
      headers: {
        [Header.Type]: RelayType.Report,
        [Header.Error]: 'decode-failed: relay.v1.Report: index out of range',
        [Header.DlqService]: 'locator',
        [Header.DlqSubject]: 'relay.report.ncmec',
        [Header.DlqSource]: 'REPORTS:41',
        [Header.DlqMsgId]: 'ncmec:171234567',
        [Header.DlqSigner]: 'UABC',
      },
    });
    const r = await relay('inspect', 'dlq', String(stored.seq));
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toMatch(/^Error code +decode-failed$/m);
    expect(r.out).toMatch(/^Error +relay\.v1\.Report: index out of range$/m);
    expect(r.out).toMatch(/^Dead-lettered by +locator$/m);
    expect(r.out).toMatch(/^Consumed from +REPORTS:41 \(relay\.report\.ncmec\)$/m);
    expect(r.out).toMatch(/^Original message id +ncmec:171234567$/m);
    expect(r.out).toMatch(/^Original signer +UABC$/m);
    expect(r.out).toContain('The payload (3 bytes) cannot be decoded:');

    const ok = encodeMessage(RelayType.Report, exampleMessage(RelayType.Report));
    const redecodable = await publishBytes(bus, subjects.dlq('dispatcher'), ok, {
      msgId: 'dlq:HOSTING:7',
      origin: 'locator',
      headers: { [Header.Type]: RelayType.Report, [Header.Error]: 'transient: gave up after 5 attempts', [Header.DlqService]: 'dispatcher' },
    });
    const summary = await relay('inspect', 'DLQ', String(redecodable.seq));
    expect(summary.out).toMatch(/^Summary +dead letter from dispatcher \(transient: gave up after 5 attempts\), was \?: report /m);
  });

  it('names the range a stream holds when the sequence is not in it, and the streams there are', async () => {
    const missing = await relay('inspect', 'REFERRALS', '999999');
    expect(missing.code).toBe(ExitCode.Usage);
    expect(missing.err).toMatch(/^relay: no message 999999 in REFERRALS: (it is empty|it holds \d+-\d+)/);
    const stream = await relay('inspect', 'CASES', '1');
    expect(stream.code).toBe(ExitCode.Usage);
    expect(stream.err).toContain('relay: no stream "CASES": use one of REPORTS, HOSTING, REFERRALS, NOTICES, STATUS, RECHECKS, DLQ, AUDIT, AUDIT_MIRROR, ARCHIVE');
    const seq = await relay('inspect', 'DLQ', 'first');
    expect(seq.code).toBe(ExitCode.Usage);
    expect(seq.err).toContain('sequence "first" must be a positive whole number');
  });
});
