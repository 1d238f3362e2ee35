import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import {
  type Bus,
  busConfigFromEnv,
  connectBus,
  type ConsumerRunner,
  PoisonMessageError,
  provenanceVerifier,
  publishBytes,
  publishMessage,
  runConsumer,
  signerFromSeed,
} from '@relay/bus';
import { waitFor } from '@relay/testkit';
import { encodeMessage, exampleMessage, Header, parseSubject, RelayType, StreamName, subjects } from '@relay/wire';
import { auditRecords, drainedConsumer, readAll } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliTestRelay, startTestRelay } from '../../test/relay.js';
import { ExitCode } from '../errors.js';

const seed = (): string => new TextDecoder().decode(createUser().getSeed());
const EOKM_SEED = seed();
const OPERATOR_SEED = seed();
// STATUS forgets message ids after 1 s here, so a redrive can get past the duplicate window in a test.
const STATUS_WINDOW_MS = 1_000;

let relay: CliTestRelay;
let bus: Bus;
let eokm: Bus;
let dir: string;
let operatorEnv: Record<string, string>;
const fixed = { status: false, hosting: false };
const handled = { status: [] as string[], hosting: [] as string[] };
const runners: ConsumerRunner[] = [];

beforeAll(async () => {
  relay = await startTestRelay({ duplicateWindowMs: { [StreamName.Status]: STATUS_WINDOW_MS } });
  bus = relay.bus;
  dir = mkdtempSync(join(tmpdir(), 'relay-dlq-'));
  writeFileSync(join(dir, 'eokm.nk'), EOKM_SEED);
  writeFileSync(join(dir, 'operator.nk'), OPERATOR_SEED);
  eokm = await connectBus(busConfigFromEnv({ NATS_URL: relay.server.url, RELAY_SIGNING_KEY_FILE: join(dir, 'eokm.nk') }, 'eokm'));
  // The operator signs what it publishes itself; a redrive must still carry eokm's signature.
  operatorEnv = { RELAY_SIGNING_KEY_FILE: join(dir, 'operator.nk') };
  // Two desks standing in for services: both refuse everything until fixed; the status desk also checks provenance.
  runners.push(
    await runConsumer(
      bus,
      {
        stream: StreamName.Status,
        durable: 'status-desk',
        filterSubject: 'relay.status.>',
        types: [RelayType.StatusUpdate],
        service: 'status-desk',
        verify: provenanceVerifier({
          expectedSigner: (subject) => {
            const parsed = parseSubject(subject);
            return parsed.kind === 'status' ? parsed.hotline : '';
          },
          keysOf: (org) => (org === 'eokm' ? [signerFromSeed(EOKM_SEED).publicKey] : []),
        }),
      },
      async (m) => {
        if (!fixed.status) throw new PoisonMessageError('desk-not-ready', `cannot take status ${m.message.id} yet`);
        handled.status.push(m.message.id);
        await Promise.resolve();
      },
    ),
    await runConsumer(
      bus,
      { stream: StreamName.Hosting, durable: 'hosting-desk', filterSubject: 'relay.hosting.>', types: [RelayType.HostingObservation], service: 'hosting-desk' },
      async (m) => {
        if (!fixed.hosting) throw new PoisonMessageError('desk-not-ready', `cannot take observation ${m.message.id} yet`);
        handled.hosting.push(m.message.id);
        await Promise.resolve();
      },
    ),
  );
});
afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await eokm?.close();
  await relay?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface ListedEntry {
  seq: number;
  service: string;
  error: { code: string; message: string };
  subject: string;
  source: string;
  msgId: string;
  type: string;
}

async function listed(service?: string): Promise<ListedEntry[]> {
  const r = await relay.relay(['dlq', 'list', '--json', ...(service === undefined ? [] : ['--service', service])]);
  expect(r.code).toBe(ExitCode.Ok);
  return JSON.parse(r.out) as ListedEntry[];
}

describe('relay dlq', () => {
  let statusEntry: ListedEntry;
  let hostingEntry: ListedEntry;

  it('lists each poison message with its service, error, original subject and source', async () => {
    await publishMessage(eokm, subjects.status('eokm'), RelayType.StatusUpdate, { ...exampleMessage(RelayType.StatusUpdate), id: 'isp-1' }, { msgId: 'eokm:isp-1', origin: 'eokm' });
    await publishMessage(bus, subjects.hosting('NL'), RelayType.HostingObservation, { ...exampleMessage(RelayType.HostingObservation), id: 'obs_poison' }, { msgId: 'locator:obs_poison', origin: 'locator' });
    const entries = await waitFor(async () => {
      const all = await listed();
      return all.length === 2 ? all : undefined;
    });
    statusEntry = entries.find((e) => e.service === 'status-desk')!;
    hostingEntry = entries.find((e) => e.service === 'hosting-desk')!;
    expect(statusEntry).toMatchObject({
      error: { code: 'desk-not-ready', message: 'cannot take status isp-1 yet' },
      subject: 'relay.status.eokm',
      source: 'STATUS:1',
      msgId: 'eokm:isp-1',
      type: RelayType.StatusUpdate,
    });
    expect(await listed('hosting-desk')).toEqual([hostingEntry]);
    const table = await relay.relay(['dlq', 'list']);
    expect(table.out).toMatch(new RegExp(`^${statusEntry.seq}\\s+\\S+\\s+status-desk\\s+desk-not-ready\\s+cannot take status isp-1 yet\\s+relay\\.status\\.eokm\\s+STATUS:1$`, 'm'));
  });

  it('shows an entry decoded by its Relay-Type with every header', async () => {
    const r = await relay.relay(['dlq', 'show', String(statusEntry.seq), '--json']);
    expect(r.code).toBe(ExitCode.Ok);
    const shown = JSON.parse(r.out);
    expect(shown.message).toMatchObject({ id: 'isp-1', hotline: 'eokm', action: 'STATUS_ACTION_ISP' });
    expect(shown.headers).toMatchObject({ [Header.DlqSigner]: signerFromSeed(EOKM_SEED).publicKey, [Header.DlqMsgId]: 'eokm:isp-1', [Header.Origin]: 'eokm' });
    const text = await relay.relay(['dlq', 'show', String(statusEntry.seq)]);
    expect(text.out).toMatch(/^Error\s+desk-not-ready: cannot take status isp-1 yet$/m);
    expect(text.out).toMatch(/^Relay-Dlq-Signature\s+\S+$/m);
    expect(text.out).toContain('"action": "STATUS_ACTION_ISP"');
    expect((await relay.relay(['dlq', 'show', '999'])).err).toContain('there is no DLQ entry 999');
  });

  it('keeps an entry whose original is still inside its stream duplicate window, and says until when', async () => {
    fixed.hosting = true;
    const r = await relay.relay(['dlq', 'redrive', '--all', '--service', 'hosting-desk', '--reason', 'desk fixed', '--json']);
    expect(r.code).toBe(ExitCode.Incomplete);
    const { outcomes } = JSON.parse(r.out) as { outcomes: { kind: string; seq: number; until: string }[] };
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'held', seq: hostingEntry.seq })]);
    expect(Date.parse(outcomes[0]!.until)).toBeGreaterThan(Date.now() + 60 * 60 * 1000);
    expect(r.err).toContain('1 entry was not redriven and stays in the DLQ');
    expect(await listed('hosting-desk')).toHaveLength(1);
    await drainedConsumer(bus, StreamName.Hosting, 'hosting-desk');
    expect(handled.hosting).toEqual([]);
  });

  it('redrives a fixed poison message with its original id and signature, once, and removes the entry', async () => {
    fixed.status = true;
    await waitFor(
      async () => {
        const r = await relay.relay(['dlq', 'redrive', String(statusEntry.seq), '--reason', 'status desk fixed'], operatorEnv);
        return r.code === ExitCode.Ok ? r : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'the STATUS duplicate window to pass' },
    );
    await drainedConsumer(bus, StreamName.Status, 'status-desk');
    expect(handled.status).toEqual(['isp-1']);
    expect((await listed()).map((e) => e.seq)).toEqual([hostingEntry.seq]);
    const stored = (await readAll(bus, StreamName.Status, RelayType.StatusUpdate)).at(-1)!;
    expect(stored.headers).toMatchObject({ [Header.MsgId]: 'eokm:isp-1', [Header.Origin]: 'eokm', [Header.Signer]: signerFromSeed(EOKM_SEED).publicKey });
    expect(Object.keys(stored.headers).filter((k) => k.startsWith('Relay-Dlq-') || k === Header.Error)).toEqual([]);

    const again = await relay.relay(['dlq', 'redrive', String(statusEntry.seq), '--reason', 'once more']);
    expect(again.code).toBe(ExitCode.Usage);
    expect(again.err).toContain(`there is no DLQ entry ${statusEntry.seq}`);
    await drainedConsumer(bus, StreamName.Status, 'status-desk');
    expect(handled.status).toEqual(['isp-1']);
  });

  it('completes a redrive interrupted between republish and delete without publishing twice', async () => {
    // Two entries for one observation whose id HOSTING no longer remembers: the
    // second is what a redrive killed before its delete leaves behind.
    const data = encodeMessage(RelayType.HostingObservation, { ...exampleMessage(RelayType.HostingObservation), id: 'obs_late' });
    const headers = {
      [Header.Type]: RelayType.HostingObservation,
      [Header.Error]: 'desk-not-ready: later',
      [Header.DlqService]: 'hosting-desk',
      [Header.DlqSubject]: 'relay.hosting.NL',
      [Header.DlqSource]: 'HOSTING:999999',
      [Header.DlqMsgId]: 'locator:obs_late',
    };
    const seqs: number[] = [];
    for (const copy of ['a', 'b']) seqs.push((await publishBytes(bus, subjects.dlq('hosting-desk'), data, { msgId: `dlq:late:${copy}`, origin: 'locator', headers })).seq);
    const r = await relay.relay(['dlq', 'redrive', ...seqs.map(String), '--reason', 'late observation', '--json']);
    expect(r.code).toBe(ExitCode.Ok);
    expect((JSON.parse(r.out) as { outcomes: { kind: string }[] }).outcomes.map((o) => o.kind)).toEqual(['redriven', 'already-redriven']);
    await drainedConsumer(bus, StreamName.Hosting, 'hosting-desk');
    expect(handled.hosting).toEqual(['obs_late']);
    expect((await listed('hosting-desk')).map((e) => e.seq)).toEqual([hostingEntry.seq]);
  });

  it('refuses to redrive a minimal entry (no payload), naming where the original is', async () => {
    const headers = {
      [Header.Error]: 'decode-failed: cannot decode',
      [Header.DlqService]: 'hosting-desk',
      [Header.DlqSubject]: 'relay.hosting.NL',
      [Header.DlqSource]: 'HOSTING:424242',
      [Header.DlqMsgId]: 'locator:obs_huge',
      [Header.DlqMinimal]: 'publish-failed: max_payload size exceeded',
    };
    const { seq } = await publishBytes(bus, subjects.dlq('hosting-desk'), new Uint8Array(0), { msgId: 'dlq:HOSTING:424242', origin: 'hosting-desk', headers });
    const r = await relay.relay(['dlq', 'redrive', String(seq), '--reason', 'try the minimal one', '--json']);
    const { outcomes } = JSON.parse(r.out) as { outcomes: { kind: string; reason: string }[] };
    expect(outcomes).toEqual([{ kind: 'refused', seq, reason: expect.stringContaining('HOSTING:424242') as unknown }]);
    expect((await listed('hosting-desk')).map((e) => e.seq)).toContain(seq);
    await drainedConsumer(bus, StreamName.Hosting, 'hosting-desk');
    expect(handled.hosting).not.toContain('');
  });

  it('writes one audit record per redrive before acting, and refuses a redrive without entries or reason', async () => {
    const records = (await auditRecords(bus)).filter((a) => a.action === 'dlq-redrive');
    expect(records.map((a) => a.target)).toContain(`DLQ all of hosting-desk`);
    expect(records.find((a) => a.reason === 'late observation')?.details).toMatchObject({ count: '2' });
    expect((await relay.relay(['dlq', 'redrive', '--reason', 'x'])).err).toContain('name the DLQ entries to redrive');
    expect((await relay.relay(['dlq', 'redrive', '7'])).code).toBe(ExitCode.Usage);
    expect((await relay.relay(['dlq', 'redrive', 'seven', '--reason', 'x'])).err).toContain('"seven" is not a DLQ sequence number');
  });
});
