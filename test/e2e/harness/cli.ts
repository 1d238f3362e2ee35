import { runCli } from '@relay/cli';
import type { TestAccounts } from './accounts.js';

/** What one `relay` run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `relay <args>` in this process as the generated user `user`, with its seed, inbox prefix and signing key (and `env` on top). */
export async function relayAs(accounts: TestAccounts, natsUrl: string, user: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env: { ...accounts.envOf(user, natsUrl), NATS_CLIENT_NAME: user, ...env } });
  return { code, out, err };
}
