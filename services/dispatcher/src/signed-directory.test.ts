import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, openJsonBucket } from '@relay/bus';
import { DIRECTORY_KEY, type DirectoryFile, generateDirectoryKey, signDirectory } from '@relay/directory';
import { freePort, waitFor } from '@relay/testkit';
import { KvBucket } from '@relay/wire';
import { devDirectory, startRelay, type TestRelay } from '@relay/testing';
import { createUser } from '@nats-io/nkeys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatcherProcess } from '../test/dispatcher.js';
import { runDispatcher, type Dispatcher } from './index.js';

const key = generateDirectoryKey();
const other = generateDirectoryKey();
const seedOf = (k: { seed: string }) => new TextEncoder().encode(k.seed);
const bare: DirectoryFile = devDirectory().file;
// A signed directory lists signers (decision 0111).
const dev: DirectoryFile = { ...bare, signers: { locator: [createUser().getPublicKey()] } };
const routedTo = (file: DirectoryFile, hotline: string): DirectoryFile => ({ ...structuredClone(file), routing: { ...file.routing, DE: { hotline, note: 'test' } } });

let relay: TestRelay;
let bus: Bus;
beforeAll(async () => {
  relay = await startRelay({ directory: false });
  bus = relay.bus;
});
afterAll(async () => {
  await relay?.dispose();
});

/** Lets a KV change reach the watcher (a refusal has no event to wait for here). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

async function healthz(port: number): Promise<number | undefined> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
  } catch {
    return undefined;
  }
}

describe('a dispatcher with a pinned directory key', () => {
  it('is not ready on an unsigned or tampered directory, follows a correctly signed revision and keeps it against a foreign-signed one', async () => {
    const raw = await openJsonBucket<unknown>(bus, KvBucket.Directory);
    await raw.put(DIRECTORY_KEY, dev);
    const dispatcher: Dispatcher = await runDispatcher({ bus, settings: { recheckIntervalMs: 60_000, tickMs: 50 }, directoryKey: key.publicKey });
    try {
      expect(dispatcher.ready()).toBe(false);
      const signed = signDirectory(dev, seedOf(key));
      await raw.put(DIRECTORY_KEY, { ...signed, directory: JSON.stringify(routedTo(dev, 'fsm'), null, 2) });
      await settle();
      expect(dispatcher.ready()).toBe(false);
      const good = await raw.put(DIRECTORY_KEY, signed);
      await waitFor(() => dispatcher.ready(), { what: 'the signed directory to be followed' });
      expect(dispatcher.stats().directoryRevision).toBe(good);

      await raw.put(DIRECTORY_KEY, signDirectory(routedTo(dev, 'fsm'), seedOf(other)));
      await settle();
      expect(dispatcher.stats().directoryRevision).toBe(good);
      const next = await raw.put(DIRECTORY_KEY, signDirectory(routedTo(dev, 'fsm'), seedOf(key)));
      await waitFor(() => dispatcher.stats().directoryRevision === next, { what: 'the next signed revision' });
    } finally {
      await dispatcher.stop();
    }
  });

  it('stays not ready on a directory signed without signers, and follows the next one that lists them (decision 0111)', async () => {
    const raw = await openJsonBucket<unknown>(bus, KvBucket.Directory);
    const ahead = new Date(Date.now() + 60_000);
    await raw.put(DIRECTORY_KEY, signDirectory(bare, seedOf(other), ahead));
    const dispatcher: Dispatcher = await runDispatcher({ bus, settings: { recheckIntervalMs: 60_000, tickMs: 50 }, directoryKey: other.publicKey });
    try {
      await settle();
      expect(dispatcher.ready()).toBe(false);
      const good = await raw.put(DIRECTORY_KEY, signDirectory(dev, seedOf(other), new Date(ahead.getTime() + 1)));
      await waitFor(() => dispatcher.stats().directoryRevision === good, { what: 'the signed directory with signers to be followed' });
    } finally {
      await dispatcher.stop();
    }
  });

  it('as a process: refuses an unsigned seed file or one signed without signers at start, and answers /healthz 503 until a signed directory is stored', async () => {
    const dir = tmpdir();
    const unsignedFile = join(dir, `unsigned-${process.pid}.json`);
    writeFileSync(unsignedFile, JSON.stringify(dev));
    const noSignersFile = join(dir, `no-signers-${process.pid}.json`);
    writeFileSync(noSignersFile, JSON.stringify(signDirectory(bare, seedOf(key))));
    for (const [file, why] of [
      [unsignedFile, 'not signed, but a directory key is pinned'],
      [noSignersFile, 'signed without any signers'],
    ] as const) {
      const refused = await startDispatcherProcess({ server: relay.server }, { RELAY_DIRECTORY_FILE: file, RELAY_DIRECTORY_KEY: key.publicKey });
      const code = await new Promise<number | null>((resolve) => refused.child.on('exit', resolve));
      expect(code).toBe(2);
      expect(refused.output()).toContain(why);
    }

    const raw = await openJsonBucket<unknown>(bus, KvBucket.Directory);
    await raw.put(DIRECTORY_KEY, dev);
    const port = await freePort();
    const running = await startDispatcherProcess(relay, { RELAY_OPS_PORT: String(port), RELAY_DIRECTORY_KEY: key.publicKey });
    try {
      await waitFor(async () => (await healthz(port)) === 503, { what: 'the dispatcher to answer not ready', timeoutMs: 20_000 });
      await raw.put(DIRECTORY_KEY, signDirectory(dev, seedOf(key)));
      await waitFor(async () => (await healthz(port)) === 200, { what: 'the dispatcher to be ready', timeoutMs: 20_000 });
    } finally {
      running.child.kill('SIGTERM');
    }
  }, 60_000);
});
