import { type Bus, busConfigFromEnv, connectBus, isConfigError } from '@relay/bus';
import type { CliContext } from '../context.js';
import { DEV_NATS_URL } from '../dev/defaults.js';
import { UnavailableError, UsageError } from '../errors.js';

/** The NATS URL a verb connects to: `NATS_URL`, else the dev stack's. */
export function natsUrlOf(ctx: CliContext): string {
  const url = ctx.env['NATS_URL'];
  return url === undefined || url === '' ? DEV_NATS_URL : url;
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
    config = busConfigFromEnv({ ...ctx.env, NATS_URL: url }, name);
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
