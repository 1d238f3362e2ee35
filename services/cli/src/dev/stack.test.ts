import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromSeed } from '@nats-io/nkeys';
import { type Bus, busConfigFromEnv, connectBus, publishMessage, readStream } from '@relay/bus';
import { caseSchema, openCaseView } from '@relay/cases';
import { freePort, type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { exampleMessage, Header, RelayType, StatusAction, StreamName, subjects } from '@relay/wire';
import { DEV_SOURCES_FILE, readAll as readDecoded } from '@relay/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, type RelayProcess, spawnRelay } from '../../test/relay-process.js';
import { ExitCode, runCli } from '../index.js';
import { DEMO_CONSOLE_PASSWORD } from './console-users.js';
import { DEMO_API_KEYS, EXAMPLE_REPORT, exampleCurl } from './demo-keys.js';

const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

interface ReadyEvent {
  readonly event: 'ready';
  readonly httpUrl: string;
  readonly gatewayOpsUrl: string;
  readonly natsUrl: string;
  readonly ownNats: boolean;
  readonly consoleUrl: string;
  readonly consoleSignIns: { readonly users: readonly string[]; readonly password: string };
  readonly pids: Record<string, number>;
}

let dirs: string[] = [];
let relays: RelayProcess[] = [];
let pids: number[] = [];
let servers: NatsServer[] = [];

afterEach(async () => {
  for (const r of relays) r.child.kill('SIGKILL');
  // A failed test must not leave a stack behind: its processes have their own process groups.
  for (const pid of pids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  await Promise.all(servers.map((s) => s.dispose()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
  relays = [];
  pids = [];
  servers = [];
});

async function ports(): Promise<string[]> {
  return [
    '--nats-port',
    String(await freePort()),
    '--http-port',
    String(await freePort()),
    '--gateway-ops-port',
    String(await freePort()),
    '--locator-ops-port',
    String(await freePort()),
    '--dispatcher-ops-port',
    String(await freePort()),
    '--courier-ops-port',
    String(await freePort()),
    '--webhook-port',
    String(await freePort()),
    '--watch-ops-port',
    String(await freePort()),
    '--console-port',
    String(await freePort()),
    '--console-ops-port',
    String(await freePort()),
  ];
}

async function startStack(args: readonly string[], env: Record<string, string> = {}): Promise<{ relay: RelayProcess; ready: ReadyEvent; cwd: string }> {
  const cwd = await mkdtemp(join(tmpdir(), 'relay-dev-'));
  dirs.push(cwd);
  const relay = spawnRelay(['dev', '--json', ...args], { cwd, env });
  relays.push(relay);
  const ready = await waitFor(
    async () => {
      const line = relay.out().split('\n').find((l) => l.includes('"event":"ready"'));
      if (line !== undefined) return JSON.parse(line) as ReadyEvent;
      if ((await Promise.race([relay.exited, Promise.resolve(undefined)])) !== undefined) throw new Error(`relay dev exited:\n${relay.err()}`);
      return undefined;
    },
    { timeoutMs: 90_000, intervalMs: 100, what: 'relay dev to print its ready event' },
  );
  pids.push(...Object.values(ready.pids));
  return { relay, ready, cwd };
}

/**
 * Signs in to the console as `user` as the sign-in page does (CSRF token, then the form) and
 * returns a GET that carries the session.
 */
async function consoleSession(base: string, user: string, password: string): Promise<(path: string) => Promise<Response>> {
  const csrf = await fetch(`${base}/api/csrf`);
  const cookiesOf = (res: Response): string[] => res.headers.getSetCookie().map((c) => c.split(';')[0] ?? '');
  const csrfCookies = cookiesOf(csrf);
  const { token } = (await csrf.json()) as { token: string };
  const signIn = await fetch(`${base}/api/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': token, cookie: csrfCookies.join('; ') },
    body: JSON.stringify({ user, password }),
  });
  if (!signIn.ok) throw new Error(`console sign-in as ${user}: HTTP ${signIn.status}`);
  const cookie = [...csrfCookies, ...cookiesOf(signIn)].join('; ');
  return (path) => fetch(`${base}${path}`, { headers: { cookie } });
}

/** Every message `stream` holds: subject and headers. */
async function readAll(bus: Bus, stream: StreamName): Promise<{ subject: string; headers: Readonly<Record<string, string>> }[]> {
  const out: { subject: string; headers: Readonly<Record<string, string>> }[] = [];
  for await (const m of readStream(bus, { stream })) out.push({ subject: m.subject, headers: m.headers });
  return out;
}

/** Signs in to the console at `base` as `user` with the demo password: the cookies and the CSRF token a page would hold. */
async function consoleSignIn(base: string, user: string): Promise<{ cookie: string; csrf: string }> {
  const cookies = new Map<string, string>();
  const keep = (res: Response): void => {
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
  };
  const cookie = (): string => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const tokenRes = await fetch(`${base}/api/csrf`);
  keep(tokenRes);
  const { token } = (await tokenRes.json()) as { token: string };
  const res = await fetch(`${base}/api/sign-in`, {
    method: 'POST',
    headers: { cookie: cookie(), 'content-type': 'application/json', 'x-csrf-token': token },
    body: JSON.stringify({ user, password: DEMO_CONSOLE_PASSWORD }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  keep(res);
  return { cookie: cookie(), csrf: token };
}

/** The quick start's curl in the README: its URL, key and body. */
async function readmeCurl(): Promise<{ text: string; key: string; body: string }> {
  const readme = await readFile(README, 'utf8');
  const block = /```sh\n(curl -s http:\/\/127\.0\.0\.1:8080\/v1\/reports[^`]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('the README has no quick start curl');
  const key = /Bearer ([\w-]+)/.exec(block)?.[1] ?? '';
  const body = /-d '([^']+)'/.exec(block)?.[1] ?? '';
  return { text: block.trimEnd(), key, body };
}

describe('relay dev', () => {
  it('brings the stack up, takes the README example report, and Ctrl-C leaves nothing running', async () => {
    const { relay, ready, cwd } = await startStack(await ports());
    expect(ready.ownNats).toBe(true);
    expect(Object.keys(ready.pids).sort()).toEqual(['console', 'courier', 'dispatcher', 'gateway', 'locator', 'nats-server', 'watch']);
    // The console runs beside the services, with the demo sign-ins the banner prints.
    expect((await fetch(`${ready.consoleUrl}/sign-in`)).status).toBe(200);
    expect(ready.consoleSignIns.users).toEqual(['police-nl', 'police-de', 'eokm', 'eco', 'operator']);
    // The operator page shows every other service of the stack up: relay dev gives the console their ops URLs.
    const asOperator = await consoleSession(ready.consoleUrl, 'operator', ready.consoleSignIns.password);
    const watched = await waitFor(
      async () => {
        const { services } = (await (await asOperator('/api/operator/services')).json()) as { services: { name: string; state: string }[] };
        return services.every((s) => s.state === 'up') && services.map((s) => s.name);
      },
      { timeoutMs: 30_000, intervalMs: 250, what: "the console to see the stack's services up" },
    );
    expect(watched).toEqual(['gateway', 'locator', 'dispatcher', 'courier', 'watch']);

    const curl = await readmeCurl();
    const res = await fetch(`${ready.httpUrl}/v1/reports`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${curl.key}`, 'Content-Type': 'application/json' },
      body: curl.body,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ source: 'iwf', sourceReportId: 'IWF-2026-000123', stream: 'REPORTS' });

    // Metrics and the API docs are on the gateway's ops port, not on the public one.
    const metrics = await fetch(`${ready.gatewayOpsUrl}/metrics`);
    expect(await metrics.text()).toMatch(/relay_intake_reports_total\{source="iwf",format="native",outcome="stored",service="gateway"\} 1/);
    expect((await fetch(`${ready.gatewayOpsUrl}/docs`)).status).toBe(200);
    expect((await fetch(`${ready.httpUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${ready.httpUrl}/docs`)).status).toBe(404);

    // The report went all the way: the Dutch-hosted URL was referred to the Dutch hotline.
    let out = '';
    const tail = await runCli(['tail', 'referrals', '--since', '10m', '--count', '1'], { out: (t) => (out += t), err: () => undefined, env: { NATS_URL: ready.natsUrl } });
    expect(tail).toBe(ExitCode.Ok);
    expect(out).toMatch(/relay\.referral\.NL\.eokm {2}referral ref_\w+ to eokm \(NL, hosted-in\): http:\/\/images\.example\.nl\/gallery\/1/);

    // Verification is on (decision 0111): the referral is signed by the dev dispatcher key the signed dev directory lists,
    // and an unsigned observation is refused into the DLQ, never routed.
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: ready.natsUrl }, 'stack-test'));
    try {
      const dispatcherKey = fromSeed(new TextEncoder().encode((await readFile(join(cwd, '.relay', 'keys', 'dispatcher.nk'), 'utf8')).trim())).getPublicKey();
      const [referral] = await readAll(bus, StreamName.Referrals);
      expect(referral?.headers[Header.Signer]).toBe(dispatcherKey);
      const forged = { ...exampleMessage(RelayType.HostingObservation), id: 'obs_forged' };
      await publishMessage(bus, subjects.hosting('NL'), RelayType.HostingObservation, forged, { msgId: 'locator:obs_forged', origin: 'locator' });
      const [refused] = await waitFor(async () => {
        const dlq = await readAll(bus, StreamName.Dlq);
        return dlq.length > 0 ? dlq : undefined;
      }, { timeoutMs: 30_000, what: 'the unsigned observation in the DLQ' });
      expect(refused?.headers[Header.Error]).toMatch(/^unsigned: /);
      expect((await readAll(bus, StreamName.Referrals)).map((m) => m.subject)).toEqual(['relay.referral.NL.eokm']);
    } finally {
      await bus.close();
    }

    relay.child.kill('SIGINT');
    expect(await relay.exited).toBe(0);
    expect(relay.err()).toMatch(/stopped: gateway exited with code 0, locator exited with code 0, dispatcher exited with code 0, courier exited with code 0, watch exited with code 0, console exited with code 0, nats-server stopped/);
    expect(relay.out()).toContain('"event":"stopped"');
    for (const pid of Object.values(ready.pids)) expect(isRunning(pid)).toBe(false);
    // The state stays for the next start: the store and the zone copy.
    await expect(readFile(join(cwd, '.relay', 'zone.json'), 'utf8')).resolves.toContain('images.example.nl');
  }, 120_000);

  it("gives eco's console sign-in a signing key: its ICCAM action is accepted and applied by the dispatcher", async () => {
    const { relay, ready, cwd } = await startStack(await ports());
    // A German-hosted URL of the dev zone: the case is referred to eco, the German hotline.
    const report = { ...EXAMPLE_REPORT, sourceReportId: 'IWF-2026-ECO-1', urls: ['http://gallery.example.de/eco/1'] };
    const res = await fetch(`${ready.httpUrl}/v1/reports`, { method: 'POST', headers: { Authorization: `Bearer ${DEMO_API_KEYS.iwf}`, 'Content-Type': 'application/json' }, body: JSON.stringify(report) });
    expect(res.status).toBe(202);
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: ready.natsUrl }, 'stack-test'));
    try {
      const [referral] = await waitFor(async () => {
        const found = await readDecoded(bus, StreamName.Referrals, RelayType.Referral, 'relay.referral.DE.eco');
        return found.length > 0 ? found : undefined;
      }, { timeoutMs: 30_000, what: 'the referral to eco' });
      const { id: referralId, caseId } = referral?.message ?? { id: '', caseId: '' };

      // As eco's analyst clicks ISP on the case page.
      const eco = await consoleSignIn(ready.consoleUrl, 'eco');
      const requestId = crypto.randomUUID();
      const status = await fetch(`${ready.consoleUrl}/api/cases/${encodeURIComponent(caseId)}/status`, {
        method: 'POST',
        headers: { cookie: eco.cookie, 'content-type': 'application/json', 'x-csrf-token': eco.csrf },
        body: JSON.stringify({ action: 'ISP', referralId, requestId }),
      });
      expect(status.status, await status.clone().text()).toBe(200);

      // The dispatcher verified eco's signature and applied the status to the case; nothing was dead-lettered.
      const cases = await openCaseView(bus, caseSchema);
      const applied = await waitFor(async () => {
        const c = (await cases.get(caseId))?.value;
        return c?.statuses.find((s) => s.id === `console-${requestId}`);
      }, { timeoutMs: 30_000, what: "eco's ISP applied to the case" });
      expect(applied.action).toBe(StatusAction.STATUS_ACTION_ISP);
      const ecoKey = fromSeed(new TextEncoder().encode((await readFile(join(cwd, '.relay', 'keys', 'eco.nk'), 'utf8')).trim())).getPublicKey();
      const [update] = await readDecoded(bus, StreamName.Status, RelayType.StatusUpdate, 'relay.status.eco');
      expect(update?.headers[Header.Signer]).toBe(ecoKey);
      expect(await readAll(bus, StreamName.Dlq)).toEqual([]);
    } finally {
      await bus.close();
    }
    relay.child.kill('SIGINT');
    expect(await relay.exited).toBe(0);
  }, 120_000);

  it('reports a crashed service instead of restarting it, and stops the rest', async () => {
    const { relay, ready } = await startStack(await ports());
    process.kill(ready.pids['locator'] ?? 0, 'SIGKILL');
    expect(await relay.exited).toBe(ExitCode.Unavailable);
    expect(relay.err()).toContain('relay: locator was killed by SIGKILL and was not restarted, so the stack was stopped');
    for (const pid of Object.values(ready.pids)) expect(isRunning(pid)).toBe(false);
  }, 120_000);

  it('joins the server in NATS_URL instead of starting one, and leaves it running', async () => {
    const server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
    servers.push(server);
    const { relay, ready } = await startStack(await ports(), { NATS_URL: server.url });
    expect(ready).toMatchObject({ ownNats: false, natsUrl: server.url });
    expect(Object.keys(ready.pids)).not.toContain('nats-server');
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    expect(isRunning(server.pid ?? 0)).toBe(true);
  }, 120_000);

  it('refuses a port in use, naming the flag that moves it, before starting anything', async () => {
    const busy: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const cwd = await mkdtemp(join(tmpdir(), 'relay-dev-'));
      dirs.push(cwd);
      const flags = (await ports()).map((v, i, all) => (all[i - 1] === '--http-port' ? String(port) : v));
      const relay = spawnRelay(['dev', ...flags], { cwd });
      relays.push(relay);
      expect(await relay.exited).toBe(ExitCode.Usage);
      expect(relay.err()).toContain(`relay: port ${port} (the gateway HTTP API) is in use: stop what listens there, or pass --http-port <port>`);
    } finally {
      busy.close();
    }
  }, 60_000);

  it('prints the same example report as the README, with demo keys that sources.json accepts', async () => {
    const curl = await readmeCurl();
    expect(curl.text).toBe(exampleCurl('http://127.0.0.1:8080'));
    const sources = JSON.parse(await readFile(DEV_SOURCES_FILE, 'utf8')) as { sources: { id: string; keySha256: string[] }[] };
    for (const [source, key] of Object.entries(DEMO_API_KEYS)) {
      const hash = createHash('sha256').update(key).digest('hex');
      expect(sources.sources.find((s) => s.id === source)?.keySha256).toContain(hash);
    }
  });
});
