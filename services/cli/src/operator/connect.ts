import { type Bus, busConfigFromEnv, connectBus, isConfigError } from '@relay/bus';
import type { CliContext } from '../context.js';
import { UnavailableError, UsageError } from '../errors.js';

/**
 * Connects to the relay's NATS server(s) from `NATS_URL` and the other
 * `NATS_*` settings of libs/bus (credentials, TLS, inbox prefix, signing key).
 * @throws UsageError when `NATS_URL` is missing or a setting is malformed.
 * @throws UnavailableError when no server answers.
 */
export async function connectOperator(ctx: CliContext, name: string): Promise<Bus> {
  if (ctx.env['NATS_URL'] === undefined || ctx.env['NATS_URL'] === '') {
    throw new UsageError('NATS_URL is not set: point it at the relay (e.g. NATS_URL=nats://127.0.0.1:4222), or start one with `relay dev`');
  }
  let config;
  try {
    config = busConfigFromEnv(ctx.env, name);
  } catch (err) {
    if (isConfigError(err)) throw new UsageError(`bad NATS setting: ${err.message}`, err);
    throw err;
  }
  try {
    return await connectBus(config);
  } catch (err) {
    throw new UnavailableError(`cannot reach NATS at ${config.servers.join(', ')}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

/** Runs `work` with a connection that is closed afterwards, whatever happens. */
export async function withOperatorBus<T>(ctx: CliContext, name: string, work: (bus: Bus) => Promise<T>): Promise<T> {
  const bus = await connectOperator(ctx, name);
  try {
    return await work(bus);
  } finally {
    await bus.close().catch(() => undefined);
  }
}
