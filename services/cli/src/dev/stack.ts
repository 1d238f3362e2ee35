import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology } from '@relay/bus';
import { readDirectory } from '@relay/directory';
import type { CliContext } from '../context.js';
import { UnavailableError } from '../errors.js';
import { onInterrupt } from '../commands/interrupt.js';
import { printReadyBanner, readyEvent, type StackAddresses } from './banner.js';
import { type DevChild, exitText, startChild, waitUntilReady } from './children.js';
import { playDemo, planDemo, prepareDemoZone } from './demo.js';
import { planWaveDemo, playWaveDemo, prepareWaveZone } from './demo-wave.js';
import { formatLogLine } from './log-lines.js';
import { natsServerBinary } from './nats-binary.js';
import { type DevNats, startDevNats } from './nats-launcher.js';
import { DEV_SERVICES, type DevService, DevData, serviceMain } from './paths.js';
import { ensurePortFree } from './ports.js';
import { type DevDirectory, prepareDevDirectory, replaceUnsignedDirectory } from './directory-key.js';
import { type DevConsoleFiles, prepareDevConsole, prepareDevConsoleUsers } from './console-users.js';
import { devSigningKeysDir } from './signing-keys.js';
import { type DevWebhook, type DevWebhookReceiver, devWebhookSecretsDir, prepareDevWebhookSecrets, startDevWebhookReceiver } from './webhook-receiver.js';
import { devZoneFile } from './zone-edit.js';
import { DevPort } from './defaults.js';

/** One line per webhook the demo receiver got, beside the demo's stream lines. */
function webhookLine(w: DevWebhook): string {
  const what = w.type.replace(/^relay\.v1\./, '').toLowerCase();
  const about = [w.data['caseId'], w.data['jurisdiction'] ?? w.data['country'], w.data['url']].filter((x) => typeof x === 'string' && x !== '').join(', ');
  return `    WEBHOOK   ${w.hotline}'s case system received ${what} ${w.id} over HTTP (${about}): Standard Webhooks signature ${w.verified ? 'verified' : 'INVALID'}`;
}

/** Settings of {@link runDevStack}, from the flags of `relay dev`. */
export interface DevStackSettings {
  /** Working directory: relative paths in output are relative to it. */
  readonly cwd: string;
  /** Absolute path of the state folder (`./.relay`). */
  readonly stateDir: string;
  readonly ports: {
    readonly nats: number;
    readonly http: number;
    readonly gatewayOps: number;
    readonly locatorOps: number;
    readonly dispatcherOps: number;
    readonly courierOps: number;
    /** The demo webhook receiver (decision 0125). */
    readonly webhooks: number;
    /** Default {@link DevPort.WatchOps}. */
    readonly watchOps?: number;
    readonly console: number;
    readonly consoleOps: number;
  };
  /** `RELAY_RECHECK_INTERVAL` of the dispatcher, and the same in ms. */
  readonly recheckInterval: string;
  readonly recheckIntervalMs: number;
  /** `LOG_LEVEL` of the services. */
  readonly logLevel: string;
  readonly json: boolean;
  readonly demo: boolean;
  /** Stop after the demo instead of running until Ctrl-C. */
  readonly exitAfterDemo: boolean;
  /** How long each service may take to answer `/healthz`, ms. */
  readonly readyTimeoutMs: number;
}

/** Each service's environment (as production configures it) and the port of its `/healthz`. */
function serviceEnvironments(
  ctx: CliContext,
  s: DevStackSettings,
  natsUrl: string,
  zoneFile: string,
  dev: DevDirectory,
  consoleFiles: DevConsoleFiles,
): Record<DevService, { env: Record<string, string | undefined>; healthPort: number }> {
  const common = { ...ctx.env, NATS_URL: natsUrl, LOG_LEVEL: s.logLevel };
  const key = { RELAY_DIRECTORY_KEY: dev.publicKey };
  // Each service signs what it publishes with its own dev key, listed in the dev directory's signers (decision 0111).
  const signing = (name: DevService) => ({ RELAY_SIGNING_KEY_FILE: dev.signingKeys[name].seedFile });
  const watchOps = s.ports.watchOps ?? DevPort.WatchOps;
  // The console's operator page shows each of the others up or down from its /healthz on its ops port.
  const watched: Record<Exclude<DevService, 'console'>, number> = { gateway: s.ports.gatewayOps, locator: s.ports.locatorOps, dispatcher: s.ports.dispatcherOps, courier: s.ports.courierOps, watch: watchOps };
  const consoleServices = Object.entries(watched).map(([name, port]) => `${name}=http://127.0.0.1:${port}`).join(',');
  return {
    gateway: {
      env: { ...common, ...signing('gateway'), RELAY_HTTP_PORT: String(s.ports.http), RELAY_OPS_PORT: String(s.ports.gatewayOps), RELAY_SOURCES_FILE: DevData.sources },
      healthPort: s.ports.gatewayOps,
    },
    locator: {
      env: { ...common, ...key, ...signing('locator'), RELAY_OPS_PORT: String(s.ports.locatorOps), RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: zoneFile },
      healthPort: s.ports.locatorOps,
    },
    dispatcher: {
      env: { ...common, ...key, ...signing('dispatcher'), RELAY_OPS_PORT: String(s.ports.dispatcherOps), RELAY_DIRECTORY_FILE: dev.signedFile, RELAY_RECHECK_INTERVAL: s.recheckInterval },
      healthPort: s.ports.dispatcherOps,
    },
    courier: {
      env: { ...common, ...key, ...signing('courier'), RELAY_OPS_PORT: String(s.ports.courierOps), RELAY_COURIER_SECRETS_DIR: devWebhookSecretsDir(s.stateDir), RELAY_WEBHOOK_RETRY_INITIAL: '200ms', RELAY_WEBHOOK_RETRY_MAX: '5s' },
      healthPort: s.ports.courierOps,
    },
    watch: {
      // Sweeps every few seconds, so a demo wave's final revision follows its window closely.
      env: { ...common, ...key, ...signing('watch'), RELAY_OPS_PORT: String(watchOps), RELAY_WATCH_SWEEP_INTERVAL: '5s' },
      healthPort: watchOps,
    },
    console: {
      env: {
        ...common,
        ...signing('console'),
        RELAY_HTTP_PORT: String(s.ports.console),
        RELAY_OPS_PORT: String(s.ports.consoleOps),
        RELAY_CONSOLE_USERS_FILE: consoleFiles.usersFile,
        RELAY_CONSOLE_KEYS_DIR: consoleFiles.keysDir,
        RELAY_CONSOLE_SERVICES: consoleServices,
      },
      healthPort: s.ports.consoleOps,
    },
  };
}

/** What the ready banner tells. */
function stackAddresses(
  s: DevStackSettings,
  r: { natsUrl: string; ownNats: boolean; zoneFile: string; directoryRevision: number | undefined; dev: DevDirectory; pids: Record<string, number> },
): StackAddresses {
  return {
    httpUrl: `http://127.0.0.1:${s.ports.http}`,
    gatewayOpsUrl: `http://127.0.0.1:${s.ports.gatewayOps}`,
    natsUrl: r.natsUrl,
    ownNats: r.ownNats,
    natsStore: relative(s.cwd, join(s.stateDir, 'nats')) || '.',
    locatorOpsUrl: `http://127.0.0.1:${s.ports.locatorOps}`,
    dispatcherOpsUrl: `http://127.0.0.1:${s.ports.dispatcherOps}`,
    courierOpsUrl: `http://127.0.0.1:${s.ports.courierOps}`,
    webhookUrl: `http://127.0.0.1:${s.ports.webhooks}/relay/<hotline>`,
    consoleUrl: `http://127.0.0.1:${s.ports.console}`,
    zoneFile: relative(s.cwd, r.zoneFile),
    zoneIsDefault: r.zoneFile === devZoneFile(s.cwd),
    directory: r.directoryRevision === undefined ? 'no directory' : `directory revision ${r.directoryRevision} (signed, key in ${relative(s.cwd, r.dev.seedFile)})`,
    directoryKey: r.dev.publicKey,
    signingKeys: relative(s.cwd, devSigningKeysDir(s.stateDir)),
    recheckInterval: s.recheckInterval,
    pids: r.pids,
  };
}

/** A crashed service, or the Ctrl-C that ends the stack. */
type Ending = { readonly kind: 'signal'; readonly signal: NodeJS.Signals } | { readonly kind: 'crash'; readonly name: string; readonly how: string };

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Runs the dev stack until Ctrl-C/SIGTERM, a crashed service, or the end of
 * the demo with `exitAfterDemo` (decisions 0050-0053): nats-server (unless
 * `NATS_URL` is set), topology, gateway, locator and dispatcher as child
 * processes with the demo data, their log lines prefixed, the ready banner.
 * Stops everything before it returns or throws: services first (SIGTERM,
 * they drain), then nats-server.
 * @throws UsageError for a port in use, FileError for a missing build or
 *   nats-server, UnavailableError for a service that crashed or never got ready.
 */
export async function runDevStack(ctx: CliContext, s: DevStackSettings): Promise<void> {
  const ending = deferred<Ending>();
  const children: DevChild[] = [];
  let nats: DevNats | undefined;
  let bus: Bus | undefined;
  let feedBus: Bus | undefined;
  let webhooks: DevWebhookReceiver | undefined;
  let waveBus: Bus | undefined;
  let stopping = false;
  let signals = 0;
  const note = (text: string): void => ctx.err(`relay dev: ${text}\n`);
  const stopListening = onInterrupt((signal) => {
    signals += 1;
    if (signals === 1) {
      note(`${signal}: stopping the stack (Ctrl-C again to kill it at once)`);
      ending.resolve({ kind: 'signal', signal });
      return;
    }
    note('killing every process of the stack now');
    for (const child of children) child.kill();
    nats?.kill();
  });
  /** Awaits `work` unless the stack ends first (Ctrl-C, a crash): then resolves undefined. */
  const step = <T>(work: Promise<T>): Promise<{ value: T } | undefined> =>
    Promise.race([work.then((value) => ({ value })), ending.promise.then(() => undefined)]);

  let crash: Ending | undefined;
  try {
    for (const name of DEV_SERVICES) serviceMain(name);
    const joinUrl = ctx.env['NATS_URL'];
    const joining = joinUrl !== undefined && joinUrl !== '';
    if (!joining) await ensurePortFree(s.ports.nats, 'NATS of the dev stack', '--nats-port');
    await ensurePortFree(s.ports.http, 'the gateway HTTP API', '--http-port');
    await ensurePortFree(s.ports.gatewayOps, 'the gateway /metrics and /docs', '--gateway-ops-port');
    await ensurePortFree(s.ports.locatorOps, 'the locator /healthz', '--locator-ops-port');
    await ensurePortFree(s.ports.dispatcherOps, 'the dispatcher /healthz', '--dispatcher-ops-port');
    await ensurePortFree(s.ports.courierOps, 'the courier /healthz', '--courier-ops-port');
    await ensurePortFree(s.ports.webhooks, 'the demo webhook receiver', '--webhook-port');
    await ensurePortFree(s.ports.watchOps ?? DevPort.WatchOps, 'the watch /healthz', '--watch-ops-port');
    await ensurePortFree(s.ports.console, 'the console web pages', '--console-port');
    await ensurePortFree(s.ports.consoleOps, 'the console /healthz', '--console-ops-port');

    await mkdir(s.stateDir, { recursive: true });
    const zoneFile = join(s.stateDir, 'zone.json');
    // A copy, so `relay zone set` never edits a tracked file; kept across restarts with its edits.
    if (!existsSync(zoneFile)) await copyFile(DevData.zone, zoneFile);
    const plan = s.demo ? planDemo() : undefined;
    if (plan) await prepareDemoZone(plan, zoneFile);
    const wavePlan = s.demo ? planWaveDemo() : undefined;
    if (wavePlan) await prepareWaveZone(wavePlan, zoneFile);
    // Every hotline with a console sign-in gets a dev signing key the directory lists, so its ICCAM buttons are accepted.
    const consoleUsers = await prepareDevConsoleUsers(s.stateDir);
    const dev = await prepareDevDirectory(s.stateDir, s.ports.webhooks, consoleUsers.hotlines);
    // The demo hotline that receives by webhook (eco) gets a receiver that prints what arrives, verified with its secret.
    const webhookKeys = await prepareDevWebhookSecrets(s.stateDir, dev.directory);
    webhooks = await startDevWebhookReceiver(s.ports.webhooks, webhookKeys, (w) => ctx.out(`${s.json ? JSON.stringify({ event: 'webhook', ...w }) : webhookLine(w)}\n`));
    const consoleFiles = await prepareDevConsole(s.stateDir, dev, consoleUsers);

    if (!joining) {
      nats = await startDevNats({ bin: natsServerBinary(ctx.env), dir: join(s.stateDir, 'nats'), port: s.ports.nats });
      void nats.exited.then((how) => {
        if (!stopping) ending.resolve({ kind: 'crash', name: 'nats-server', how: `exited (${how})` });
      });
    }
    const natsUrl = joining ? joinUrl : (nats?.url ?? '');
    const busConfig = busConfigFromEnv({ ...ctx.env, NATS_URL: natsUrl }, 'relay-dev');
    bus = await connectBus(busConfig).catch((err: unknown) => {
      throw new UnavailableError(`cannot reach NATS at ${natsUrl}: ${err instanceof Error ? err.message : String(err)}`, err);
    });
    await ensureTopology(bus, { replicas: busConfig.replicas });
    if (await replaceUnsignedDirectory(bus, dev)) note(`the stored directory was not signed by the dev key or did not list the dev signers: stored deploy/dev/directory.json signed by ${dev.publicKey}`);

    const envOf = serviceEnvironments(ctx, s, natsUrl, zoneFile, dev, consoleFiles);
    const width = Math.max(...DEV_SERVICES.map((n) => n.length));
    // A Ctrl-C while nats-server was starting: start no services.
    for (const name of signals === 0 ? DEV_SERVICES : []) {
      const child = startChild({
        name,
        cwd: s.cwd,
        env: envOf[name].env,
        healthUrl: `http://127.0.0.1:${envOf[name].healthPort}/healthz`,
        onLine: (service, line) => ctx.err(`${s.json ? line : formatLogLine(service, line, width)}\n`),
      });
      children.push(child);
      // Nothing is restarted behind the operator's back: a crash ends the stack, loudly.
      void child.exited.then((exit) => {
        if (!stopping) ending.resolve({ kind: 'crash', name, how: exitText(exit) });
      });
    }
    const ready = await step(Promise.all(children.map((c) => waitUntilReady(c, s.readyTimeoutMs))));
    if (ready !== undefined && signals === 0) {
      const stored = await readDirectory(bus, dev.publicKey);
      const pids = Object.fromEntries([...(nats ? [['nats-server', nats.pid] as const] : []), ...children.map((c) => [c.name, c.pid] as const)]);
      const addresses = stackAddresses(s, { natsUrl, ownNats: !joining, zoneFile, directoryRevision: stored?.revision, dev, pids });
      if (s.json) ctx.out(`${JSON.stringify(readyEvent(addresses))}\n`);
      else printReadyBanner(ctx, addresses);

      if (plan) {
        feedBus = await connectBus(busConfig);
        const seed = await step(playDemo({ ctx, bus, feedBus, zoneFile, recheckIntervalMs: s.recheckIntervalMs, json: s.json, webhooks }, plan));
        // Issue 18: a hoster's customers moving together make one relocation wave.
        waveBus = seed && wavePlan ? await connectBus(busConfig) : undefined;
        const played = waveBus && wavePlan ? await step(playWaveDemo({ ctx, bus, feedBus: waveBus, zoneFile, recheckIntervalMs: s.recheckIntervalMs, json: s.json }, wavePlan)) : seed;
        if (played && !s.exitAfterDemo) note('the scenario is over; the stack keeps running until Ctrl-C');
      }
      if (!(plan && s.exitAfterDemo)) await ending.promise;
    }
    const ended = await Promise.race([ending.promise, Promise.resolve(undefined)]);
    if (ended?.kind === 'crash') crash = ended;
  } finally {
    stopping = true;
    await feedBus?.close().catch(() => undefined);
    await waveBus?.close().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    const exits = await Promise.all(children.map(async (c) => `${c.name} ${exitText(await c.stop())}`));
    await nats?.stop();
    await webhooks?.close().catch(() => undefined);
    stopListening();
    if (children.length > 0 || nats) {
      note(`stopped: ${[...exits, ...(nats ? ['nats-server stopped'] : [])].join(', ')}`);
    }
  }
  if (crash?.kind === 'crash') {
    throw new UnavailableError(`${crash.name} ${crash.how} and was not restarted, so the stack was stopped; its log lines above say why`);
  }
  if (s.json) ctx.out(`${JSON.stringify({ event: 'stopped' })}\n`);
}
