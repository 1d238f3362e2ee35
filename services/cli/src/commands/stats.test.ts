import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, publishMessage, streamState, tenantConsumers } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import {
  anonymiseReferral,
  Audience,
  exampleMessage,
  type Notice,
  NoticeKind,
  type Referral,
  RelayType,
  StatusAction,
  StreamName,
  subjects,
} from '@relay/wire';
import { ackAsTenant, type Hoster, HOSTERS } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliTestRelay, startTestRelay } from '../../test/relay.js';
import { ExitCode } from '../errors.js';
import type { Stats, StatsRow } from '../stats/compute.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-10-01T00:00:00Z');
const LEASEWEB = HOSTERS.NL2;
let relay: CliTestRelay;
let bus: Bus;
let keyFile: string;
let dir: string;
beforeAll(async () => {
  relay = await startTestRelay();
  bus = relay.bus;
  dir = mkdtempSync(join(tmpdir(), 'relay-stats-'));
  keyFile = join(dir, 'retention.key');
  writeFileSync(keyFile, '9f1c2b7e4a6d8f0e1c3b5a7d9e2f4a6c8b0d2e4f6a8c0e2d4f6a8b0c2e4d6f8a\n');
});
afterAll(async () => {
  await relay?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function referral(id: string, hotline: string, jurisdiction: string, hoster: Hoster, issuedAt: number, supersedes = ''): Referral {
  const base = exampleMessage(RelayType.Referral);
  return { ...base, id, hotline, jurisdiction, supersedes, issuedAt: new Date(issuedAt), hosting: { ...base.hosting!, country: hoster.country, asn: hoster.asn, asOrganisation: hoster.asOrganisation } };
}

async function publishReferral(r: Referral): Promise<void> {
  await publishMessage(bus, subjects.referral(r.jurisdiction, r.hotline), RelayType.Referral, r, { msgId: `dispatcher:${r.id}`, origin: 'dispatcher' });
}

async function publishStatus(sender: string, referralId: string, action: StatusAction, occurredAt: number): Promise<void> {
  const id = `${referralId}-${action}`;
  await publishMessage(bus, subjects.status(sender), RelayType.StatusUpdate, { id, hotline: sender, referralId, caseId: '', action, occurredAt: new Date(occurredAt), note: '' }, { msgId: `${sender}:${id}`, origin: sender });
}

async function publishNotice(id: string, country: string, audience: Audience, kind: NoticeKind, after: Hoster, issuedAt: number, subject?: string): Promise<void> {
  const base = exampleMessage(RelayType.Notice);
  const hotline = audience === Audience.AUDIENCE_HOTLINE ? 'eokm' : '';
  const n: Notice = { ...base, id, country, audience, kind, hotline, issuedAt: new Date(issuedAt), hostingAfter: { ...base.hostingAfter!, asn: after.asn, asOrganisation: after.asOrganisation } };
  const to = subject ?? (hotline === '' ? subjects.notice(country, audience, kind) : subjects.notice(country, audience, kind, hotline));
  await publishMessage(bus, to, RelayType.Notice, n, { msgId: `dispatcher:${id}`, origin: 'dispatcher' });
}

async function stats(...args: string[]): Promise<Stats> {
  const r = await relay.relay(['stats', '--json', ...args]);
  expect(r.err).toBe('');
  expect(r.code).toBe(ExitCode.Ok);
  return JSON.parse(r.out) as Stats;
}

const row = (s: Stats, key: string): StatsRow | undefined => s.rows.find((r) => r.key === key);

describe('relay stats', () => {
  it('counts referrals, notices and INHOPE time to removal per country, across REFERRALS and the anonymised ARCHIVE', async () => {
    // Older than the period: removed after 1 h.
    await publishReferral(referral('r0', 'eokm', 'NL', HOSTERS.NL, T0 - 30 * 24 * HOUR));
    await publishStatus('eokm', 'r0', StatusAction.STATUS_ACTION_CR, T0 - 30 * 24 * HOUR + HOUR);
    // NL, NForce: removed after 10 h, unavailable after 30 h, open (ISP only), not illegal.
    await publishReferral(referral('r1', 'eokm', 'NL', HOSTERS.NL, T0));
    await publishStatus('eokm', 'r1', StatusAction.STATUS_ACTION_CR, T0 + 10 * HOUR);
    await publishReferral(referral('r2', 'eokm', 'NL', HOSTERS.NL, T0));
    await publishStatus('eokm', 'r2', StatusAction.STATUS_ACTION_ISP, T0 + HOUR);
    await publishStatus('eokm', 'r2', StatusAction.STATUS_ACTION_CU, T0 + 30 * HOUR);
    await publishReferral(referral('r3', 'eokm', 'NL', HOSTERS.NL, T0));
    await publishStatus('eokm', 'r3', StatusAction.STATUS_ACTION_ISP, T0 + HOUR);
    await publishReferral(referral('r4', 'eokm', 'NL', HOSTERS.NL, T0));
    await publishStatus('eokm', 'r4', StatusAction.STATUS_ACTION_NI, T0 + 5 * HOUR);
    await publishNotice('n1', 'NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL, HOSTERS.NL, T0);
    await publishNotice('n2', 'NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL, HOSTERS.NL, T0);

    // Everything so far goes to ARCHIVE (URLs and IPs replaced), the originals are erased.
    const last = Date.now();
    await waitFor(() => Date.now() > last + 5, { what: 'the clock to move past the last message' });
    // Once eokm and the Dutch police acked them (decision 0106).
    await ackAsTenant(bus, tenantConsumers.hotlineReferrals('eokm'), RelayType.Referral, 5);
    await ackAsTenant(bus, tenantConsumers.policeNotices('NL'), RelayType.Notice, 2);
    const retention = await relay.relay(['retention', 'apply', '--after', '1ms', '--key-file', keyFile, '--reason', 'stats test', '--json']);
    expect(retention.code).toBe(ExitCode.Ok);
    expect(JSON.parse(retention.out)).toMatchObject({ referrals: 5, notices: 2, statuses: 6, skipped: 0 });
    expect((await streamState(bus, StreamName.Referrals))?.messages).toBe(0);
    expect((await streamState(bus, StreamName.Archive))?.messages).toBe(13);

    // NL, NForce: removed after 100 h. A CR "for" r5 from another hotline is not its hotline's word.
    const r5 = referral('r5', 'eokm', 'NL', HOSTERS.NL, T0 + 24 * HOUR);
    await publishReferral(r5);
    // A retention run cut off between copy and erase leaves a referral in both streams: it counts once.
    const r5Seq = (await streamState(bus, StreamName.Referrals))?.lastSeq;
    await publishMessage(bus, subjects.archive('referral', 'NL'), RelayType.Referral, anonymiseReferral(new TextEncoder().encode('k'.repeat(32)), r5), {
      msgId: `archive:${StreamName.Referrals}:${r5Seq}`,
      origin: 'retention',
    });
    await publishStatus('eokm', 'r5', StatusAction.STATUS_ACTION_CR, T0 + 124 * HOUR);
    await publishReferral(referral('r6', 'eokm', 'NL', LEASEWEB, T0));
    await publishStatus('iwf', 'r6', StatusAction.STATUS_ACTION_CR, T0 + 2 * HOUR);
    // r7 moves to Germany (r8) before anyone closes it; a later CR for r7 is too late to count.
    await publishReferral(referral('r7', 'eokm', 'NL', LEASEWEB, T0));
    await publishReferral(referral('r8', 'eco', 'DE', HOSTERS.DE, T0 + 2 * HOUR, 'r7'));
    await publishStatus('eokm', 'r7', StatusAction.STATUS_ACTION_CR, T0 + 3 * HOUR);
    await publishStatus('eco', 'r8', StatusAction.STATUS_ACTION_CR, T0 + 50 * HOUR);
    await publishNotice('n3', 'NL', Audience.AUDIENCE_HOTLINE, NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, HOSTERS.DE, T0 + 2 * HOUR);
    await publishNotice('n4', 'DE', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_RELOCATION_IN, HOSTERS.DE, T0 + 2 * HOUR);
    await publishNotice('n0', 'NL', Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL, HOSTERS.NL, T0 - 30 * 24 * HOUR);

    const s = await stats('--since', '2026-09-15T00:00:00Z');
    expect(s).toMatchObject({ by: 'country', since: '2026-09-15T00:00:00.000Z' });
    expect(row(s, 'NL')).toEqual({
      key: 'NL',
      referrals: 7,
      notices: 3,
      removed: 3,
      notIllegal: 1,
      moved: 1,
      open: 2,
      timeToRemoval: { count: 3, medianMs: 30 * HOUR, meanMs: (140 * HOUR) / 3, p90Ms: 100 * HOUR, under3Days: 2 },
    });
    expect(row(s, 'DE')).toEqual({
      key: 'DE',
      referrals: 1,
      notices: 1,
      removed: 1,
      notIllegal: 0,
      moved: 0,
      open: 0,
      timeToRemoval: { count: 1, medianMs: 48 * HOUR, meanMs: 48 * HOUR, p90Ms: 48 * HOUR, under3Days: 1 },
    });
    expect(s.rows).toHaveLength(2);
    expect(s.total).toMatchObject({ referrals: 8, notices: 4, removed: 4, timeToRemoval: { count: 4, medianMs: 39 * HOUR } });

    const all = await stats();
    expect(all.total).toMatchObject({ referrals: 9, notices: 5, removed: 5, timeToRemoval: { count: 5, medianMs: 30 * HOUR } });
  });

  it('groups by hoster (AS organisation)', async () => {
    const s = await stats('--by', 'hoster', '--since', '2026-09-15T00:00:00Z');
    expect(s.rows.map((r) => [r.key, r.referrals, r.notices, r.removed, r.open, r.moved, r.timeToRemoval.medianMs])).toEqual([
      ['NForce Entertainment B.V.', 5, 2, 3, 1, 0, 30 * HOUR],
      ['LeaseWeb Netherlands B.V.', 2, 0, 0, 1, 1, null],
      ['Hetzner Online GmbH', 1, 2, 1, 0, 0, 48 * HOUR],
    ]);
  });

  it('prints a table with readable durations and the definition used', async () => {
    const r = await relay.relay(['stats', '--since', '2026-09-15T00:00:00Z']);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toMatch(/^COUNTRY\s+REFERRALS\s+NOTICES\s+REMOVED\s+NOT ILLEGAL\s+MOVED\s+OPEN\s+MEDIAN TTR\s+MEAN TTR\s+P90 TTR\s+TTR < 3D$/m);
    expect(r.out).toMatch(/^NL\s+7\s+3\s+3\s+1\s+1\s+2\s+1d 6h\s+1d 22h\s+4d 4h\s+67%$/m);
    expect(r.out).toMatch(/^total\s+8\s+4\s+4\s+/m);
    expect(r.out).toContain("ttr: INHOPE notice-and-takedown time: from the referral being issued to the hotline of the hosting country until that hotline's first CR");
    expect((await relay.relay(['stats', '--by', 'hotline'])).err).toContain('--by: "hotline" must be country or hoster');
  });

  it('counts a hotline notice stored under the country-wide subject of earlier versions (decision 0091)', async () => {
    const before = (await stats()).total.notices;
    await publishNotice('n-legacy', 'NL', Audience.AUDIENCE_HOTLINE, NoticeKind.NOTICE_KIND_HOSTER_CHANGED, HOSTERS.NL, T0, 'relay.notice.NL.hotline.hoster-changed');
    expect((await stats()).total.notices).toBe(before + 1);
  });
});
