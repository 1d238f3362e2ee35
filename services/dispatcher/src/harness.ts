// Test support (not part of the front door): a real nats-server with the
// relay topology and the dev directory, and ways to publish what the locator
// and hotlines would and to read what the dispatcher published.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser } from '@nats-io/nkeys';
import { type Bus, busConfigFromEnv, connectBus, consumerLag, ensureTopology, openJsonBucket, publishMessage, readStream, runConsumer, type ConsumerRunner } from '@relay/bus';
import { generateDirectoryKey, loadDirectoryFile, openDirectory, publishDirectory, readDirectory, seedDirectory, signDirectory, tenantsOf } from '@relay/directory';
import { freePort, type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import {
  decodeMessage,
  deriveId,
  Header,
  type HostingObservation,
  KvBucket,
  type Notice,
  type RecheckRequest,
  type Referral,
  RelayType,
  type StatusUpdate,
  StreamName,
  subjects,
  UNKNOWN_COUNTRY,
} from '@relay/wire';
import { caseSchema, type CaseState } from './case-state.js';
import { Durable } from './dispatcher.js';
import { statusDurable } from './status-consumers.js';
import { HOSTERS, observation } from './fixtures.js';

/** The dev directory file. */
export const DIRECTORY_FILE = fileURLToPath(new URL('../../../deploy/dev/directory.json', import.meta.url));

/** A nats-server with the relay topology and the dev directory stored. */
export interface Relay {
  readonly server: NatsServer;
  readonly bus: Bus;
  /** Publishes as the locator does, signed with the locator key the directory of a dispatcher process lists. */
  readonly locator: Bus;
  connect(name: string): Promise<Bus>;
  dispose(): Promise<void>;
}

/** The dispatcher's entry point, run through tsx in tests. */
export const DISPATCHER_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** A dispatcher running as its own process. */
export interface DispatcherProcess {
  readonly child: ChildProcess;
  output(): string;
}

/** The directory key dispatcher processes pin, and the locator key the harness's bus signs with (test only). */
const PROCESS_DIRECTORY_KEY = generateDirectoryKey();
const LOCATOR_KEY = createUser();
const LOCATOR_SEED_FILE = join(mkdtempSync(join(tmpdir(), 'relay-dispatcher-harness-')), 'locator.nk');
writeFileSync(LOCATOR_SEED_FILE, LOCATOR_KEY.getSeed(), { mode: 0o600 });

/**
 * Starts the dispatcher as its own process, as production runs it: unless
 * `env` pins a key of its own, the dev directory is stored signed by a test
 * directory key (listing the locator key `relay.locator` signs with) and the
 * process pins that key, since no dispatcher runs without one (decision 0111).
 * Kill it when done.
 */
export async function startDispatcherProcess(relay: Pick<Relay, 'server'> & Partial<Pick<Relay, 'bus'>>, env: Readonly<Record<string, string>>): Promise<DispatcherProcess> {
  if (env['RELAY_DIRECTORY_KEY'] === undefined && relay.bus) {
    const signed = signDirectory({ ...loadDirectoryFile(DIRECTORY_FILE).file, signers: { locator: [LOCATOR_KEY.getPublicKey()] } }, new TextEncoder().encode(PROCESS_DIRECTORY_KEY.seed));
    await publishDirectory(relay.bus, openDirectory(signed, PROCESS_DIRECTORY_KEY.publicKey));
  }
  env = { RELAY_DIRECTORY_KEY: PROCESS_DIRECTORY_KEY.publicKey, ...env };
  const child = spawn(process.execPath, ['--conditions=@relay/source', '--import', 'tsx', DISPATCHER_MAIN], {
    env: { ...process.env, NATS_URL: relay.server.url, RELAY_OPS_PORT: String(await freePort()), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { child, output: () => out };
}

/** Starts a nats-server, ensures the topology and seeds the dev directory. */
export async function startRelay(): Promise<Relay> {
  const server = await startNatsServer();
  const buses: Bus[] = [];
  const connect = async (name: string): Promise<Bus> => {
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, name));
    buses.push(bus);
    return bus;
  };
  const bus = await connect('test');
  await ensureTopology(bus, { replicas: 1 });
  // Signs as the locator would: what dispatcher processes (which always verify) accept.
  const locator = await connectBus(busConfigFromEnv({ NATS_URL: server.url, RELAY_SIGNING_KEY_FILE: LOCATOR_SEED_FILE }, 'test-locator'));
  buses.push(locator);
  await seedDirectory(bus, loadDirectoryFile(DIRECTORY_FILE));
  return {
    server,
    bus,
    locator,
    connect,
    dispose: async () => {
      await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
      await server.dispose();
    },
  };
}

/** Publishes an observation exactly as the locator would. */
export async function publishObservation(bus: Bus, o: HostingObservation, msgId = `locator:${o.id}`): Promise<void> {
  await publishMessage(bus, subjects.hosting(o.country || UNKNOWN_COUNTRY), RelayType.HostingObservation, o, { msgId, origin: 'locator' });
}

/** Publishes a hotline's status update on `relay.status.<sender>`. */
export async function publishStatus(bus: Bus, u: StatusUpdate, sender = u.hotline): Promise<void> {
  await publishMessage(bus, subjects.status(sender), RelayType.StatusUpdate, u, { msgId: `${sender}:${u.id}`, origin: sender });
}

/** Everything on a stream matching a filter, decoded. */
export async function readAll<T>(bus: Bus, stream: StreamName, filterSubject: string): Promise<{ subject: string; message: T; headers: Readonly<Record<string, string>> }[]> {
  const out: { subject: string; message: T; headers: Readonly<Record<string, string>> }[] = [];
  for await (const m of readStream(bus, { stream, filterSubject })) {
    const type = m.headers[Header.Type] ?? '';
    out.push({ subject: m.subject, message: decodeMessage(type, m.data) as T, headers: m.headers });
  }
  return out;
}

/** Referrals, notices and recheck requests about one case. */
export async function publishedFor(bus: Bus, caseId: string): Promise<{ referrals: Referral[]; notices: { subject: string; notice: Notice }[]; rechecks: RecheckRequest[] }> {
  const referrals = (await readAll<Referral>(bus, StreamName.Referrals, 'relay.referral.>')).map((m) => m.message).filter((r) => r.caseId === caseId);
  const notices = (await readAll<Notice>(bus, StreamName.Notices, 'relay.notice.>')).filter((m) => m.message.caseId === caseId).map((m) => ({ subject: m.subject, notice: m.message }));
  const rechecks = (await readAll<RecheckRequest>(bus, StreamName.Rechecks, 'relay.recheck.>')).map((m) => m.message).filter((r) => r.caseId === caseId);
  return { referrals, notices, rechecks };
}

/** The stored case. */
export async function readCase(bus: Bus, caseId: string): Promise<CaseState | undefined> {
  return (await (await openJsonBucket(bus, KvBucket.Cases, (raw) => caseSchema.parse(raw))).get(caseId))?.value;
}

/** The per-hotline status durables of the dev directory. */
async function statusDurables(bus: Bus): Promise<string[]> {
  const directory = await readDirectory(bus);
  return directory ? [...new Set(tenantsOf(directory.directory).hotlines.map((h) => statusDurable(h.id)))] : [];
}

/** Waits until the dispatcher's consumers have nothing pending or unacknowledged. */
export async function drained(bus: Bus): Promise<void> {
  await waitFor(
    async () => {
      const durables = [Durable.Hosting, ...(await statusDurables(bus))];
      const lags = await Promise.all(durables.map((d) => consumerLag(bus, d === Durable.Hosting ? StreamName.Hosting : StreamName.Status, d)));
      return lags.every((l) => l !== undefined && l.pending === 0 && l.ackPending === 0);
    },
    { timeoutMs: 20_000, what: 'the dispatcher consumers to drain' },
  );
}

/**
 * A stand-in for the locator's recheck side: answers each RecheckRequest with
 * an observation of where `where(url)` says the URL is, resolved at `now()`.
 */
export async function startRecheckResponder(bus: Bus, where: (url: string) => keyof typeof HOSTERS, now: () => number): Promise<ConsumerRunner> {
  return runConsumer(
    bus,
    { stream: StreamName.Rechecks, durable: `test-locator-${deriveId('t', Math.random()).slice(2, 10)}`, filterSubject: 'relay.recheck.>', types: [RelayType.RecheckRequest], service: 'test-locator' },
    async (m) => {
      const r = m.message;
      await publishObservation(bus, observation({ url: r.url, hoster: HOSTERS[where(r.url)], resolvedAt: now(), cause: { recheckId: r.id, caseId: r.caseId } }));
    },
  );
}
