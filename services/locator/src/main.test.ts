import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { busConfigFromEnv, connectBus, ensureTopology, openJsonBucket } from '@relay/bus';
import { createUser } from '@nats-io/nkeys';
import { DIRECTORY_KEY, type DirectoryFile, generateDirectoryKey, signDirectory } from '@relay/directory';
import { freePort, type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { KvBucket } from '@relay/wire';
import { DEV_ZONE_FILE, devDirectory } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
// A signed directory lists signers (decision 0111).
const FILE: DirectoryFile = { ...devDirectory().file, signers: { gateway: [createUser().getPublicKey()] } };
const KEY = generateDirectoryKey();

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.dispose();
});

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--conditions=@relay/source', '--import', 'tsx', MAIN], {
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('the locator process', () => {
  it('refuses a bad setting with exit code 2, naming the variable', async () => {
    const r = run({ NATS_URL: server.url, RELAY_DNS: 'zone', RELAY_DIRECTORY_KEY: KEY.publicKey });
    expect(await r.exited).toBe(2);
    expect(r.output()).toContain('RELAY_DNS_ZONE_FILE: is required when RELAY_DNS=zone');
  });

  it('refuses to start without a pinned directory key (fail closed, decision 0111)', async () => {
    const r = run({ NATS_URL: server.url, RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: DEV_ZONE_FILE });
    expect(await r.exited).toBe(2);
    expect(r.output()).toContain('RELAY_DIRECTORY_KEY: is required: the public directory key');
  });

  it('becomes healthy on a real nats-server with the demo zone and a signed directory, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'locator-test'));
    await ensureTopology(bus, { replicas: 1 });
    await (await openJsonBucket<unknown>(bus, KvBucket.Directory)).put(DIRECTORY_KEY, signDirectory(FILE, new TextEncoder().encode(KEY.seed)));
    await bus.close();
    const r = run({ NATS_URL: server.url, RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: DEV_ZONE_FILE, RELAY_OPS_PORT: String(port), RELAY_DIRECTORY_KEY: KEY.publicKey });
    try {
      const health = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
          return res?.ok ? ((await res.json()) as { status: string }) : undefined;
        },
        { timeoutMs: 20_000, what: `the locator's /healthz (output so far: ${r.output()})` },
      );
      expect(health).toEqual({ status: 'ok', checks: { nats: true, consumers: true, directory: true } });
      r.child.kill('SIGTERM');
      expect(await r.exited).toBe(0);
    } finally {
      r.child.kill('SIGKILL');
    }
  });

  it('is not ready on an unsigned, foreign-signed or signer-less directory and gets ready on a signed one', async () => {
    const key = generateDirectoryKey();
    const own = await startNatsServer();
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: own.url }, 'locator-test'));
    const port = await freePort();
    const r = run({ NATS_URL: own.url, RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: DEV_ZONE_FILE, RELAY_OPS_PORT: String(port), RELAY_DIRECTORY_KEY: key.publicKey });
    const status = async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status;
    try {
      await ensureTopology(bus, { replicas: 1 });
      const file = FILE;
      const bucket = await openJsonBucket<unknown>(bus, KvBucket.Directory);
      await bucket.put(DIRECTORY_KEY, file);
      await bucket.put(DIRECTORY_KEY, signDirectory(file, new TextEncoder().encode(generateDirectoryKey().seed)));
      await waitFor(async () => (await status()) === 503, { timeoutMs: 20_000, what: `the locator to answer not ready (output: ${r.output()})` });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await status()).toBe(503);
      // Signed by the pinned key but without signers: refused too, nothing would be verified against it.
      await bucket.put(DIRECTORY_KEY, signDirectory(devDirectory().file, new TextEncoder().encode(key.seed)));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await status()).toBe(503);
      await bucket.put(DIRECTORY_KEY, signDirectory(file, new TextEncoder().encode(key.seed)));
      await waitFor(async () => (await status()) === 200, { timeoutMs: 20_000, what: 'the locator to be ready on the signed directory' });
    } finally {
      r.child.kill('SIGKILL');
      await bus.close();
      await own.dispose();
    }
  });
});
