import { type Bus, busConfigFromEnv, connectBus, isConfigError } from '@relay/bus';
import type { CliContext } from '../context.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEV_NATS_URL, DEV_STATE_DIR } from '../dev/defaults.js';
import { devOperatorKeyFile } from '../dev/signing-keys.js';
import { UnavailableError, UsageError } from '../errors.js';

/** The NATS URL a verb connects to: `NATS_URL`, else the dev stack's. */
export function natsUrlOf(ctx: CliContext): string {
  const url = ctx.env['NATS_URL'];
  return url === undefined || url === '' ? DEV_NATS_URL : url;
}

/**
 * The environment a verb connects with: `ctx.env`, and against the dev stack
 * (no `NATS_URL`) the dev operator's signing key when none is set and
 * `relay dev` made one, so what the CLI publishes there is signed and
 * verified as in production (decision 0111).
 */
function connectEnv(ctx: CliContext): Record<string, string | undefined> {
  const env = { ...ctx.env, NATS_URL: natsUrlOf(ctx) };
  if (ctx.env['NATS_URL'] || ctx.env['RELAY_SIGNING_KEY_FILE']) return env;
  const devKey = devOperatorKeyFile(resolve(DEV_STATE_DIR));
  return existsSync(devKey) ? { ...env, RELAY_SIGNING_KEY_FILE: devKey } : env;
}

/**
 * Connects to NATS as the environment says (`NATS_URL` and the other
 * `NATS_*` of libs/bus: credentials, TLS, inbox prefix, signing key), or to
 * the dev stack on its default port when `NATS_URL` is not set.
 * @throws UsageError for a malformed `NATS_*` setting.
 * @throws UnavailableError when no server answers, saying how to start one.
 */
export async function connectCli(ctx: CliContext, name: string): Promise<Bus> {
  const url = natsUrlOf(ctx);
  let config;
  try {
    config = busConfigFromEnv(connectEnv(ctx), name);
  } catch (err) {
    if (isConfigError(err)) throw new UsageError(`invalid NATS setting: ${err.issues.join('; ')}`, err);
    throw err;
  }
  try {
    return await connectBus(config);
  } catch (err) {
    const hint = ctx.env['NATS_URL'] ? 'check NATS_URL and that the server runs' : 'start the dev stack with `npm start` (or `relay dev`), or set NATS_URL';
    throw new UnavailableError(`cannot reach NATS at ${url} (${err instanceof Error ? err.message : String(err)}): ${hint}`, err);
  }
}

/** Runs `use` with a connection made by {@link connectCli} and closes it afterwards, whatever happens. */
export async function withBus<T>(ctx: CliContext, name: string, use: (bus: Bus) => Promise<T>): Promise<T> {
  const bus = await connectCli(ctx, name);
  try {
    return await use(bus);
  } finally {
    await bus.close().catch(() => undefined);
  }
}
