// Test support of this package (decision 0116): what only the dispatcher's
// tests need on top of @relay/testing. Outside src/, so never built into dist.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Bus, openJsonBucket } from '@relay/bus';
import { readDirectory, tenantsOf } from '@relay/directory';
import { drainedConsumers, type TestRelay } from '@relay/testing';
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

/** Runs `services/dispatcher` as its own process against `relay`, as production does; kill it when done. */
export async function startDispatcherProcess(relay: Pick<TestRelay, 'server'>, env: Readonly<Record<string, string>>): Promise<DispatcherProcess> {
  const child = spawn(process.execPath, ['--conditions=@relay/source', '--import', 'tsx', DISPATCHER_MAIN], {
    env: { ...process.env, NATS_URL: relay.server.url, RELAY_OPS_PORT: String(await freePort()), LOG_LEVEL: 'warn', ...env },
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
