// `relay audit --follow` on a real 3-node cluster: a round at start, a round
// after a leader election (a real one: the REPORTS leader steps down), and the
// repair request each round sends for what it finds lost. The pipeline is not
// running here: the report is stored by hand and never observed, so each
// round finds the same gap. test/fault runs the follower beside the pipeline.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, publishMessage, readStream } from '@relay/bus';
import { freePort, type NatsCluster, startNatsCluster, waitFor } from '@relay/testkit';
import { decodeMessage, deriveId, exampleMessage, RecheckReason, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, runCli } from '../index.js';

/** The built `relay` (npm test builds before it runs the tests). */
const RELAY_BIN = fileURLToPath(new URL('../../bin/relay.js', import.meta.url));

let cluster: NatsCluster;
let bus: Bus;

beforeAll(async () => {
  cluster = await startNatsCluster();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: cluster.url }, 'audit-follow-test'));
  await ensureTopology(bus, { replicas: 3 });
}, 60_000);

afterAll(async () => {
  await bus?.close();
  await cluster?.dispose();
});

interface RoundJson {
  readonly trigger: string;
  readonly reports: number;
  readonly lost: number;
  readonly gaps: readonly { reportId: string; missing: string }[];
  readonly repair?: { asked: number };
  readonly error?: string;
  readonly tookMs: number;
}

/** Runs `relay audit <args>` in this process; `rounds()` are the JSON lines printed so far. */
function follow(args: readonly string[], env: Readonly<Record<string, string>> = {}): { rounds: () => RoundJson[]; exit: Promise<number>; err: () => string } {
  let out = '';
  let err = '';
  const exit = runCli(['audit', ...args], { out: (t) => (out += t), err: (t) => (err += t), env: { NATS_URL: cluster.url, NATS_CLIENT_NAME: 'operator-test', ...env } });
  return { rounds: () => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as RoundJson), exit, err: () => err };
}

describe('relay audit --follow', () => {
  it('audits at start and again after a stream elects a new leader, and --repair asks for what each round finds lost', async () => {
    const reportId = deriveId('rpt', 'ncmec', 'FOLLOW-1');
    const report = { ...exampleMessage(RelayType.Report), id: reportId, sourceReportId: 'FOLLOW-1', urls: ['http://images.example.nl/follow/1'] };
    await publishMessage(bus, subjects.report('ncmec'), RelayType.Report, report, { msgId: 'ncmec:FOLLOW-1', origin: 'ncmec' });

    // --every 1h: the second round can only come from the election.
    const opsPort = await freePort();
    const run = follow(['--follow', '--rounds', '2', '--every', '1h', '--since', '10m', '--repair', '--reason', 'healing after leader changes', '--wait', '0', '--json'], { RELAY_OPS_PORT: String(opsPort) });
    await waitFor(() => run.rounds().length === 1, { timeoutMs: 30_000, what: 'the round at start' });
    expect(run.rounds()[0]).toMatchObject({ trigger: 'start', reports: 1, lost: 1, gaps: [{ reportId, missing: 'observation' }], repair: { asked: 1 } });

    // What an operator alerts on, while it runs.
    const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    expect(metrics).toMatch(/^relay_audit_rounds_total\{outcome="findings",service="audit-follow"\} 1$/m);
    expect(metrics).toMatch(/^relay_audit_lost\{service="audit-follow"\} 1$/m);
    expect(metrics).toMatch(/^relay_audit_repair_requests_total\{service="audit-follow"\} 1$/m);
    // How long the round took: its reads, and with a finding the wait for replicas, the second read and the repair.
    const took = Number(/^relay_audit_round_seconds\{service="audit-follow"\} (\S+)$/m.exec(metrics)?.[1]);
    expect(took).toBeGreaterThan(0);
    expect(took).toBeCloseTo((run.rounds()[0]?.tookMs ?? 0) / 1000, 2);
    expect((await fetch(`http://127.0.0.1:${opsPort}/healthz`)).status).toBe(200);

    const nc = await connect({ servers: cluster.url.split(',') });
    const stepdown = await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${StreamName.Reports}`, undefined, { timeout: 10_000 });
    expect(stepdown.json()).toMatchObject({ success: true });
    await nc.close();
    expect(await run.exit).toBe(ExitCode.Findings);
    const [, second] = run.rounds();
    expect(second).toMatchObject({ trigger: `leader elected: ${StreamName.Reports}`, lost: 1, repair: { asked: 1 } });
    expect(second?.error).toBeUndefined();

    // Each round asked the locator to observe the report's URL again.
    const asked: string[] = [];
    for await (const m of readStream(bus, { stream: StreamName.Rechecks })) {
      const r = decodeMessage(RelayType.RecheckRequest, m.data);
      if (r.reason === RecheckReason.RECHECK_REASON_REPAIR) asked.push(r.reportId);
    }
    expect(asked).toEqual([reportId, reportId]);
  }, 90_000);

  it.each([
    ['between rounds', (out: string) => out.includes('"trigger":"start"')],
    ['in the middle of a round', (_: string, err: string) => err.includes('Ctrl-C stops')],
  ])('ends with exit 0 on SIGTERM %s, as a deployment stops it', async (_, ready) => {
    const child = spawn(process.execPath, [RELAY_BIN, 'audit', '--follow', '--every', '1h', '--since', '10m', '--json'], {
      env: { PATH: process.env['PATH'] ?? '', NATS_URL: cluster.url, NATS_CLIENT_NAME: 'operator-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(() => ready(out, err), { timeoutMs: 30_000, what: 'the follower to start' });
    child.kill('SIGTERM');
    expect(await exited, err).toBe(0);
  }, 60_000);

  it('cuts off a round that runs past --round-timeout, says so, and goes on', async () => {
    // 1 ms: no round can read the streams that fast, so the deadline closes its connection under it.
    const run = follow(['--follow', '--rounds', '1', '--every', '1h', '--since', '10m', '--round-timeout', '1ms', '--json']);
    await run.exit;
    const [round] = run.rounds();
    expect(round?.error).toMatch(/took longer than 0\.001s \(--round-timeout\) and was cut off/);
    expect(round?.tookMs).toBeGreaterThanOrEqual(1);
    const bad = follow(['--follow', '--round-timeout', 'soon']);
    expect(await bad.exit).toBe(ExitCode.Usage);
    expect(bad.err()).toContain('--round-timeout');
  }, 30_000);

  it('refuses --rounds without --follow, and a time for --since with --follow', async () => {
    const noFollow = follow(['--rounds', '2']);
    expect(await noFollow.exit).toBe(ExitCode.Usage);
    expect(noFollow.err()).toContain('--rounds goes with --follow');
    const time = follow(['--follow', '--since', new Date().toISOString()]);
    expect(await time.exit).toBe(ExitCode.Usage);
    expect(time.err()).toContain('--since');
    const port = follow(['--follow'], { RELAY_OPS_PORT: 'ninety' });
    expect(await port.exit).toBe(ExitCode.Usage);
    expect(port.err()).toContain('RELAY_OPS_PORT: must be a port number');
  });
});
