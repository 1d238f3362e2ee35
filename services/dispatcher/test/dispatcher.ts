// Test support of this package (decision 0116): what only the dispatcher's
// tests need on top of @relay/testing. Outside src/, so never built into dist.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser } from '@nats-io/nkeys';
import { type Bus, busConfigFromEnv, connectBus, openJsonBucket } from '@relay/bus';
import { generateDirectoryKey, openDirectory, publishDirectory, readDirectory, signDirectory, tenantsOf } from '@relay/directory';
import { devDirectory, drainedConsumers, publishedFor, startRelay, type TestRelay, type TestRelayOptions } from '@relay/testing';
import { freePort } from '@relay/testkit';
import { KvBucket, StreamName } from '@relay/wire';
import { caseSchema, type CaseState, Durable, statusDurable } from '../src/index.js';

/** The dispatcher's entry point, run through tsx in tests. */
export const DISPATCHER_MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** A dispatcher running as its own process. */
export interface DispatcherProcess {
  readonly child: ChildProcess;
  output(): string;
}

/** The shared fixture's relay, with connections that sign as the locator and the Dutch hotline do. */
export interface DispatcherTestRelay extends TestRelay {
  /** Publishes as the locator does, signed with the locator key the directory of a dispatcher process lists. */
  readonly locator: Bus;
  /** Publishes as the hotline eokm does (its statuses), signed with the eokm key that directory lists. */
  readonly eokm: Bus;
}

/** The directory key dispatcher processes pin, and the signing keys of `locator` and `eokm` (test only). */
const PROCESS_DIRECTORY_KEY = generateDirectoryKey();
const KEYS_DIR = mkdtempSync(join(tmpdir(), 'relay-dispatcher-test-'));
const signingKey = (org: string): { readonly publicKey: string; readonly seedFile: string } => {
  const key = createUser();
  const seedFile = join(KEYS_DIR, `${org}.nk`);
  writeFileSync(seedFile, key.getSeed(), { mode: 0o600 });
  return { publicKey: key.getPublicKey(), seedFile };
};
const LOCATOR_KEY = signingKey('locator');

/** A connection to `serverUrl` that signs what it publishes with the nkey seed `seed`, named `name`. */
export function signingBus(serverUrl: string, name: string, seed: string): Promise<Bus> {
  const seedFile = join(KEYS_DIR, `${name}-${createUser().getPublicKey().slice(1, 9)}.nk`);
  writeFileSync(seedFile, seed, { mode: 0o600 });
  return connectBus(busConfigFromEnv({ NATS_URL: serverUrl, RELAY_SIGNING_KEY_FILE: seedFile }, name));
}
const EOKM_KEY = signingKey('eokm');

/** Starts the shared fixture (`options` as for `startRelay`) and connects {@link DispatcherTestRelay.locator}. */
export async function startDispatcherRelay(options: TestRelayOptions = {}): Promise<DispatcherTestRelay> {
  const relay = await startRelay(options);
  try {
    // Signs as the locator would: what dispatcher processes (which always verify) accept.
    const locator = await connectBus(busConfigFromEnv({ NATS_URL: relay.server.url, RELAY_SIGNING_KEY_FILE: LOCATOR_KEY.seedFile }, 'test-locator'));
    const eokm = await connectBus(busConfigFromEnv({ NATS_URL: relay.server.url, RELAY_SIGNING_KEY_FILE: EOKM_KEY.seedFile }, 'test-eokm'));
    return {
      ...relay,
      locator,
      eokm,
      dispose: async () => {
        await locator.close().catch(() => undefined);
        await eokm.close().catch(() => undefined);
        await relay.dispose();
      },
    };
  } catch (err) {
    await relay.dispose();
    throw err;
  }
}

/**
 * Starts the dispatcher as its own process, as production runs it: unless
 * `env` pins a key of its own, the dev directory is stored signed by a test
 * directory key (listing the keys {@link DispatcherTestRelay.locator} and
 * {@link DispatcherTestRelay.eokm} sign with) and the process pins that key, since no dispatcher runs without
 * one (decision 0111). Kill it when done.
 */
export async function startDispatcherProcess(relay: Pick<TestRelay, 'server'> & Partial<Pick<TestRelay, 'bus'>>, env: Readonly<Record<string, string>>): Promise<DispatcherProcess> {
  if (env['RELAY_DIRECTORY_KEY'] === undefined && relay.bus) {
    const signed = signDirectory({ ...devDirectory().file, signers: { locator: [LOCATOR_KEY.publicKey], eokm: [EOKM_KEY.publicKey] } }, new TextEncoder().encode(PROCESS_DIRECTORY_KEY.seed));
    await publishDirectory(relay.bus, openDirectory(signed, PROCESS_DIRECTORY_KEY.publicKey));
  }
  const child = spawn(process.execPath, ['--conditions=@relay/source', '--import', 'tsx', DISPATCHER_MAIN], {
    env: { ...process.env, NATS_URL: relay.server.url, RELAY_OPS_PORT: String(await freePort()), LOG_LEVEL: 'warn', RELAY_DIRECTORY_KEY: PROCESS_DIRECTORY_KEY.publicKey, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { child, output: () => out };
}

/** The stored case. */
export async function readCase(bus: Bus, caseId: string): Promise<CaseState | undefined> {
  return (await (await openJsonBucket(bus, KvBucket.Cases, (raw) => caseSchema.parse(raw))).get(caseId))?.value;
}

/** Waits until the dispatcher's consumers (hosting, and the status consumer of each hotline of the stored directory) have nothing pending or unacknowledged. */
export async function drained(bus: Bus): Promise<void> {
  await drainedConsumers(
    bus,
    async () => {
      const directory = await readDirectory(bus);
      const hotlines = directory ? [...new Set(tenantsOf(directory.directory).hotlines.map((h) => statusDurable(h.id)))] : [];
      return [{ stream: StreamName.Hosting, durable: Durable.Hosting }, ...hotlines.map((durable) => ({ stream: StreamName.Status, durable }))];
    },
    20_000,
  );
}

/**
 * True when every message in the case's outbox is stored on its stream: the
 * outbox stays in the case until its next write drops it (decision 0140), so
 * "routed and published" is this, not an empty outbox.
 */
export async function outboxPublished(bus: Bus, c: CaseState): Promise<boolean> {
  if (c.outbox.length === 0) return true;
  const { referrals, notices } = await publishedFor(bus, c.id);
  const stored = new Set([...referrals.map((r) => `dispatcher:${r.id}`), ...notices.map((n) => `dispatcher:${n.notice.id}`)]);
  return c.outbox.every((e) => stored.has(e.msgId));
}
