import { type Bus, busConfigFromEnv, connectBus, ensureTopology, publishMessage } from '@relay/bus';
import { freePort, type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { Audience, exampleMessage, messageFromJson, type Notice, NoticeKind, type Referral, RelayType, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRelay } from '../../test/relay-process.js';
import { ExitCode, runCli } from '../index.js';

let server: NatsServer;
let bus: Bus;

beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'tail-test'));
  await ensureTopology(bus, { replicas: 1 });
});

afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

interface Run {
  code: Promise<number>;
  out(): string;
  err(): string;
}

function relay(env: Record<string, string>, ...args: string[]): Run {
  let out = '';
  let err = '';
  const code = runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out: () => out, err: () => err };
}

async function publishReferral(id: string, country: string, hotline: string): Promise<void> {
  const referral: Referral = { ...exampleMessage(RelayType.Referral), id, jurisdiction: country, hotline, url: `http://x.example/${id}` };
  await publishMessage(bus, subjects.referral(country, hotline), RelayType.Referral, referral, { msgId: `dispatcher:${id}`, origin: 'dispatcher' });
}

describe('relay tail', () => {
  it('follows a stream from now, one decoded line per message, and only what the filter names', async () => {
    await publishReferral('ref-before', 'NL', 'eokm');
    const tail = relay({ NATS_URL: server.url }, 'tail', 'referrals', '--country', 'nl', '--count', '2');
    await waitFor(() => tail.err().includes('following REFERRALS relay.referral.NL.* from now'), { what: 'tail to start' });
    await publishReferral('ref-de', 'DE', 'eco');
    await publishReferral('ref-nl-1', 'NL', 'eokm');
    await publishReferral('ref-nl-2', 'NL', 'eokm');
    expect(await tail.code).toBe(ExitCode.Ok);
    const lines = tail.out().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\S+Z {2}REFERRALS#\d+ {2}relay\.referral\.NL\.eokm {2}referral ref-nl-1 to eokm \(NL, hosted-in\): http:\/\/x\.example\/ref-nl-1, removal due \S+Z$/);
    expect(lines[1]).toContain('referral ref-nl-2 to eokm');
    expect(tail.out()).not.toContain('ref-before');
    expect(tail.out()).not.toContain('ref-de');
  });

  it('prints proto3 JSON lines with --json, from --since', async () => {
    await publishReferral('ref-json', 'BE', 'child-focus');
    const tail = relay({ NATS_URL: server.url }, 'tail', 'referrals', '--hotline', 'child-focus', '--since', '1h', '--count', '1', '--json');
    expect(await tail.code).toBe(ExitCode.Ok);
    const line = JSON.parse(tail.out()) as { stream: string; subject: string; type: string; headers: Record<string, string>; message: unknown };
    expect(line).toMatchObject({ stream: 'REFERRALS', subject: 'relay.referral.BE.child-focus', type: 'relay.v1.Referral' });
    expect(line.headers['Nats-Msg-Id']).toBe('dispatcher:ref-json');
    expect(messageFromJson(RelayType.Referral, line.message)).toMatchObject({ id: 'ref-json', hotline: 'child-focus', jurisdiction: 'BE' });
  });

  it('follows the notices addressed to one hotline with --hotline, not those of the other hotlines of its country', async () => {
    for (const hotline of ['fsm', 'eco']) {
      const notice: Notice = { ...exampleMessage(RelayType.Notice), id: `ntc-${hotline}`, audience: Audience.AUDIENCE_HOTLINE, country: 'DE', hotline, kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT };
      await publishMessage(bus, subjects.notice('DE', Audience.AUDIENCE_HOTLINE, notice.kind, hotline), RelayType.Notice, notice, { msgId: `dispatcher:ntc-${hotline}`, origin: 'dispatcher' });
    }
    const tail = relay({ NATS_URL: server.url }, 'tail', 'notices', '--country', 'DE', '--hotline', 'eco', '--since', '1h', '--count', '1', '--json');
    expect(await tail.code, tail.err()).toBe(ExitCode.Ok);
    expect(tail.err()).toContain('following NOTICES relay.notice.DE.hotline.eco.*');
    expect(JSON.parse(tail.out())).toMatchObject({ subject: 'relay.notice.DE.hotline.eco.case-moved-out', message: { id: 'ntc-eco', hotline: 'eco' } });
  });

  it('refuses a filter that makes no sense for the stream, saying which ones it takes', async () => {
    const status = relay({ NATS_URL: server.url }, 'tail', 'status', '--country', 'NL');
    expect(await status.code).toBe(ExitCode.Usage);
    expect(status.err()).toBe('relay: --country does not apply to status (its subjects are relay.status.<hotline>); it takes --hotline\n');
    const notices = relay({ NATS_URL: server.url }, 'tail', 'notices', '--source', 'ncmec');
    expect(await notices.code).toBe(ExitCode.Usage);
    expect(notices.err()).toContain('it takes --country, --audience, --hotline');
    const policeHotline = relay({ NATS_URL: server.url }, 'tail', 'notices', '--audience', 'police', '--hotline', 'eokm');
    expect(await policeHotline.code).toBe(ExitCode.Usage);
    expect(policeHotline.err()).toContain('does not go with --audience police');
    const audience = relay({ NATS_URL: server.url }, 'tail', 'notices', '--audience', 'press');
    expect(await audience.code).toBe(ExitCode.Usage);
    expect(audience.err()).toContain("Allowed choices are hotline, police, authority");
    const country = relay({ NATS_URL: server.url }, 'tail', 'hosting', '--country', 'Netherlands');
    expect(await country.code).toBe(ExitCode.Usage);
    expect(country.err()).toContain('must be two upper-case letters');
    const since = relay({ NATS_URL: server.url }, 'tail', 'hosting', '--since', 'yesterday');
    expect(await since.code).toBe(ExitCode.Usage);
    expect(since.err()).toContain('--since: "yesterday" is neither a time');
  });

  it('stops on Ctrl-C with exit code 0', async () => {
    const tail = spawnRelay(['tail', 'notices'], { cwd: process.cwd(), env: { NATS_URL: server.url } });
    await waitFor(() => tail.err().includes('following NOTICES'), { timeoutMs: 20_000, what: 'tail to start' });
    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
  });

  it('says how to start a server when none answers, with exit code 4', async () => {
    const port = await freePort();
    const tail = relay({ NATS_URL: `nats://127.0.0.1:${port}` }, 'tail', 'notices');
    expect(await tail.code).toBe(ExitCode.Unavailable);
    expect(tail.err()).toContain(`relay: cannot reach NATS at nats://127.0.0.1:${port}`);
    expect(tail.err()).toContain('check NATS_URL and that the server runs');
  });
});
