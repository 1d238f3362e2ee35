// Test support of this package (decision 0116): `relay` run in process against
// the shared fixture's server. Outside src/, so never built into dist.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopologyOptions } from '@relay/bus';
import { startRelay, type TestRelay } from '@relay/testing';
import { runCli } from '../src/index.js';

/** The shared fixture's relay, with `relay` to run against it. */
export interface CliTestRelay extends TestRelay {
  /** Runs `relay <args>` in this process with `NATS_URL` set; extra env merged in. */
  relay(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<CliRun>;
}

/** What one `relay` run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `relay <args>` in this process with exactly `env` as its environment, capturing what it prints. */
export async function runRelay(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

/** Starts the shared fixture (server, topology with `topology` overrides, dev directory) and a way to run `relay` against it. */
export async function startTestRelay(topology: Omit<TopologyOptions, 'replicas'> = {}): Promise<CliTestRelay> {
  const relay = await startRelay({ topology });
  return {
    ...relay,
    relay: (args, env = {}) => runRelay(args, { NATS_URL: relay.server.url, NATS_CLIENT_NAME: 'operator-test', ...env }),
  };
}

/** The shared fixture without a directory, as an operator meets a new broker, and a temporary folder. */
export interface OperatorTestRelay extends TestRelay {
  /** A temporary folder for the files a verb reads and writes; removed on dispose. */
  readonly dir: string;
}

/** Starts {@link OperatorTestRelay}; `prefix` names the temporary folder. */
export async function startOperatorRelay(prefix: string): Promise<OperatorTestRelay> {
  const relay = await startRelay({ directory: false });
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    ...relay,
    dir,
    dispose: async () => {
      await relay.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
