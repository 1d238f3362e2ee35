import { type BusConfig, busConfigFromEnv, ConfigError } from '@relay/bus';
import { parseDuration } from '@relay/directory';
import { LogLevel } from '@relay/observability';
import { z } from 'zod';
import type { DispatcherSettings } from './dispatcher.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const value = parseDuration(text);
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be a duration like 2s, 15m or 1h (got ${JSON.stringify(text)})` });
        return z.NEVER;
      }
      return value;
    });
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The dispatcher's own settings, from the environment. */
const envSchema = z.object({
  LOG_LEVEL: z.enum(LogLevel).default('info'),
  RELAY_OPS_PORT: z.coerce.number().int().min(0).max(65_535).default(9103),
  /** Seeds the directory bucket from this file when it is empty. */
  RELAY_DIRECTORY_FILE: z.string().min(1).optional(),
  RELAY_RECHECK_INTERVAL: duration('15m'),
  RELAY_DISPATCHER_CONCURRENCY: positiveInt(256),
  RELAY_DISPATCHER_CACHE_SIZE: positiveInt(10_000),
  /** How long NATS waits for an ack before redelivering to another replica (after a crash). */
  RELAY_DISPATCHER_ACK_WAIT: duration('30s'),
});

/** Validated, frozen dispatcher configuration. */
export interface DispatcherConfig {
  readonly bus: BusConfig;
  readonly logLevel: LogLevel;
  readonly opsPort: number;
  readonly directoryFile: string | undefined;
  readonly settings: DispatcherSettings;
}

/**
 * Reads the dispatcher's configuration from an environment object.
 * @throws ConfigError naming every bad variable and its rule.
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): DispatcherConfig {
  const bus = busConfigFromEnv(env, 'dispatcher');
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = parsed.data;
  return Object.freeze({
    bus,
    logLevel: e.LOG_LEVEL,
    opsPort: e.RELAY_OPS_PORT,
    directoryFile: e.RELAY_DIRECTORY_FILE,
    settings: Object.freeze({
      recheckIntervalMs: e.RELAY_RECHECK_INTERVAL,
      // Short intervals (tests, demo) need a finer tick to keep their promise.
      tickMs: Math.max(20, Math.min(250, Math.floor(e.RELAY_RECHECK_INTERVAL / 20))),
      concurrency: e.RELAY_DISPATCHER_CONCURRENCY,
      cacheSize: e.RELAY_DISPATCHER_CACHE_SIZE,
      ackWaitMs: e.RELAY_DISPATCHER_ACK_WAIT,
    }),
  });
}
