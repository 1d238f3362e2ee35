import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type Bus, publishMessage, streamState } from '@relay/bus';
import { waitFor } from '@relay/testkit';
import {
  decodeMessage,
  exampleMessage,
  type HostingObservation,
  HostingStatus,
  RelayType,
  StatusAction,
  StreamName,
  subjects,
} from '@relay/wire';
import { auditRecords, readAll } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliTestRelay, startTestRelay } from '../../test/relay.js';
import { ExitCode } from '../errors.js';

let relay: CliTestRelay;
let bus: Bus;
let dir: string;
beforeAll(async () => {
  relay = await startTestRelay();
  bus = relay.bus;
  dir = mkdtempSync(join(tmpdir(), 'relay-replay-'));
});
afterAll(async () => {
  await relay?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const observation = (i: number, country: string): HostingObservation => ({
  ...exampleMessage(RelayType.HostingObservation),
  id: `obs_${i}`,
  url: `http://site-${i}.example/x`,
  normalizedUrl: `http://site-${i}.example/x`,
  addresses: [],
  cause: undefined,
  country,
  status: HostingStatus.HOSTING_STATUS_LOCATED,
});

async function publishObservations(count: number, window = 512): Promise<void> {
  for (let start = 0; start < count; start += window) {
    const batch = Array.from({ length: Math.min(window, count - start) }, (_, k) => start + k);
    await Promise.all(
      batch.map((i) => {
        const country = i % 5 < 3 ? 'NL' : 'DE';
        return publishMessage(bus, subjects.hosting(country), RelayType.HostingObservation, observation(i, country), { msgId: `locator:obs_${i}`, origin: 'locator' });
      }),
    );
  }
}

async function readLines(path: string): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  for await (const line of createInterface({ input: createReadStream(path) })) lines.push(JSON.parse(line) as Record<string, unknown>);
  return lines;
}

describe('relay replay', () => {
  const TOTAL = 100_000;

  it('replays 100,000 observations to a JSON Lines file in stream order, each once, decoded and re-publishable byte for byte', { timeout: 180_000 }, async () => {
    await publishObservations(TOTAL);
    expect((await streamState(bus, StreamName.Hosting))?.messages).toBe(TOTAL);
    const out = join(dir, 'hosting.jsonl');
    const r = await relay.relay(['replay', '--stream', 'hosting', '--out', out, '--reason', 'export for the 100k test', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(ExitCode.Ok);
    expect(JSON.parse(r.out)).toMatchObject({ stream: 'HOSTING', read: TOTAL, written: TOTAL, duplicates: 0, out });
    expect(existsSync(`${out}.partial`)).toBe(false);

    let previous = 0;
    let nl = 0;
    const ids = new Set<string>();
    for await (const text of createInterface({ input: createReadStream(out) })) {
      const line = JSON.parse(text) as { seq: number; subject: string; type: string; message: { id: string; country: string }; data: string; headers: Record<string, string> };
      expect(line.seq).toBe(previous + 1);
      previous = line.seq;
      if (line.subject === 'relay.hosting.NL') nl++;
      ids.add(line.message.id);
      if (line.seq % 10_000 === 1) {
        expect(line.type).toBe(RelayType.HostingObservation);
        expect(line.headers['Nats-Msg-Id']).toBe(`locator:${line.message.id}`);
        expect(decodeMessage(RelayType.HostingObservation, Buffer.from(line.data, 'base64'))).toMatchObject({ id: line.message.id, country: line.message.country });
      }
    }
    expect(previous).toBe(TOTAL);
    expect(ids.size).toBe(TOTAL);
    expect(nl).toBe(TOTAL * 0.6);
  });

  it('keeps to a subject filter', { timeout: 60_000 }, async () => {
    const out = join(dir, 'de.jsonl');
    const r = await relay.relay(['replay', '--stream', 'HOSTING', '--subject', 'relay.hosting.DE', '--out', out, '--reason', 'German observations', '--json']);
    expect(r.code).toBe(ExitCode.Ok);
    expect(JSON.parse(r.out)).toMatchObject({ read: TOTAL * 0.4, written: TOTAL * 0.4 });
  });

  it('re-publishing a range to its original subjects inside the duplicate window stores nothing', async () => {
    const r = await relay.relay(['replay', '--stream', 'HOSTING', '--since', '10m', '--subject', 'relay.hosting.NL', '--to-subject', 'original', '--rate', '0', '--reason', 'idempotency check', '--json']);
    const before = (await streamState(bus, StreamName.Hosting))?.messages;
    expect(r.code).toBe(ExitCode.Ok);
    expect(JSON.parse(r.out)).toMatchObject({ read: TOTAL * 0.6, written: 0, duplicates: TOTAL * 0.6, toSubject: 'original' });
    expect((await streamState(bus, StreamName.Hosting))?.messages).toBe(before);
  }, 120_000);

  it('selects by time range and by referral, with notices and status updates about that referral', async () => {
    const referral = (id: string) => ({ ...exampleMessage(RelayType.Referral), id });
    await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, referral('ref_a'), { msgId: 'dispatcher:ref_a', origin: 'dispatcher' });
    const t1 = new Date(Date.now() + 2);
    await waitFor(() => Date.now() > t1.getTime() + 1, { what: 'the clock to pass t1' });
    await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, referral('ref_b'), { msgId: 'dispatcher:ref_b', origin: 'dispatcher' });
    await publishMessage(bus, subjects.status('eokm'), RelayType.StatusUpdate, { ...exampleMessage(RelayType.StatusUpdate), id: 's1', referralId: 'ref_b', action: StatusAction.STATUS_ACTION_CR }, { msgId: 'eokm:s1', origin: 'eokm' });
    await publishMessage(bus, subjects.status('eokm'), RelayType.StatusUpdate, { ...exampleMessage(RelayType.StatusUpdate), id: 's2', referralId: 'ref_a' }, { msgId: 'eokm:s2', origin: 'eokm' });
    const t2 = new Date(Date.now() + 2);
    await waitFor(() => Date.now() > t2.getTime() + 1, { what: 'the clock to pass t2' });
    await publishMessage(bus, subjects.referral('NL', 'eokm'), RelayType.Referral, referral('ref_c'), { msgId: 'dispatcher:ref_c', origin: 'dispatcher' });

    const ranged = join(dir, 'ranged.jsonl');
    const r = await relay.relay(['replay', '--stream', 'REFERRALS', '--since', t1.toISOString(), '--until', t2.toISOString(), '--out', ranged, '--reason', 'range']);
    expect(r.code).toBe(ExitCode.Ok);
    expect(r.out).toMatch(/^Messages\s+1$/m);
    expect((await readLines(ranged)).map((l) => (l['message'] as { id: string }).id)).toEqual(['ref_b']);

    const statuses = join(dir, 'statuses.jsonl');
    expect((await relay.relay(['replay', '--stream', 'STATUS', '--referral', 'ref_b', '--out', statuses, '--reason', 'one referral'])).code).toBe(ExitCode.Ok);
    expect((await readLines(statuses)).map((l) => (l['message'] as { id: string }).id)).toEqual(['s1']);
  });

  it('writes an audit record naming the operator, the range and the destination before it reads anything', async () => {
    const records = (await auditRecords(bus)).filter((a) => a.action === 'replay');
    expect(records.length).toBeGreaterThanOrEqual(4);
    expect(records[0]).toMatchObject({ actor: 'operator-test', reason: 'export for the 100k test', details: { stream: 'HOSTING', rate: 'unlimited' } });
    expect(records[0]?.target).toMatch(/^HOSTING -> .*hosting\.jsonl$/);
    expect(records.find((a) => a.reason === 'idempotency check')?.details).toMatchObject({ toSubject: 'original', subject: 'relay.hosting.NL', rate: 'unlimited' });
  });

  it('refuses to re-publish a message where another type belongs, before publishing anything', async () => {
    const before = await readAll(bus, StreamName.Referrals, RelayType.Referral);
    const r = await relay.relay(['replay', '--stream', 'STATUS', '--to-subject', 'relay.referral.NL.{3}', '--reason', 'wrong target']);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toContain('relay.referral.NL.eokm carries relay.v1.Referral, not relay.v1.StatusUpdate');
    expect(await readAll(bus, StreamName.Referrals, RelayType.Referral)).toHaveLength(before.length);
  });

  it('says what is wrong with the command line, with exit code 2, and writes no audit record for it', async () => {
    const audited = (await auditRecords(bus)).length;
    const cases: [string[], string][] = [
      [['replay', '--stream', 'HOSTING', '--reason', 'x'], 'exactly one of --out <file.jsonl> or --to-subject'],
      [['replay', '--stream', 'NOPE', '--out', 'x.jsonl', '--reason', 'x'], '"NOPE" is not a relay stream'],
      [['replay', '--stream', 'HOSTING', '--referral', 'ref_a', '--out', 'x.jsonl', '--reason', 'x'], 'messages of HOSTING name no referral'],
      [['replay', '--stream', 'HOSTING', '--subject', 'relay.referral.>', '--out', 'x.jsonl', '--reason', 'x'], 'outside stream HOSTING'],
      [['replay', '--stream', 'HOSTING', '--since', 'yesterday', '--out', 'x.jsonl', '--reason', 'x'], '--since: "yesterday" is neither a time'],
      [['replay', '--stream', 'DLQ', '--to-subject', 'original', '--reason', 'x'], 'use `relay dlq redrive`'],
      [['replay', '--stream', 'HOSTING', '--to-subject', 'relay.hosting.*', '--reason', 'x'], 'without wildcards'],
      [['replay', '--stream', 'HOSTING', '--out', 'x.jsonl', '--reason', '  '], '--reason must say why'],
      [['replay', '--stream', 'HOSTING', '--out', 'x.jsonl'], "required option '--reason <text>' not specified"],
    ];
    for (const [args, message] of cases) {
      const r = await relay.relay(args);
      expect(r.code, args.join(' ')).toBe(ExitCode.Usage);
      expect(r.err, args.join(' ')).toContain(message);
    }
    expect(await auditRecords(bus)).toHaveLength(audited);
    const noServer = await relay.relay(['replay', '--stream', 'HOSTING', '--out', 'x.jsonl', '--reason', 'x'], { NATS_URL: '' });
    // Unset, NATS_URL means the dev stack's server; none runs on its port here.
    expect(noServer.code).toBe(ExitCode.Unavailable);
    expect(noServer.err).toContain('or set NATS_URL');
  });

  it('says a file cannot be written with exit code 3 and leaves nothing behind', async () => {
    const r = await relay.relay(['replay', '--stream', 'REFERRALS', '--out', join(dir, 'missing', 'x.jsonl'), '--reason', 'bad path']);
    expect(r.code).toBe(ExitCode.Data);
    expect(r.err).toContain('cannot be written');
  });
});
