import { readFileSync } from 'node:fs';
import { type BusConfig, busConfigFromEnv, ConfigError, portSetting } from '@relay/bus';
import { directoryKeySchema } from '@relay/directory';
import { parseDuration } from '@relay/wire';
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
const optionalDuration = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined) return undefined;
    const value = parseDuration(text);
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be a duration like 90d or 12h (got ${JSON.stringify(text)})` });
      return z.NEVER;
    }
    return value;
  });
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The dispatcher's own settings, from the environment. */
const envSchema = z.object({
  LOG_LEVEL: z.enum(LogLevel).default('info'),
  RELAY_OPS_PORT: portSetting(9103),
  /** Seeds the directory bucket from this file when it is empty. */
  RELAY_DIRECTORY_FILE: z.string().min(1).optional(),
  /** The pinned directory key (public operator nkey): only directories it signed are followed (decision 0105). */
  RELAY_DIRECTORY_KEY: directoryKeySchema.optional(),
  RELAY_RECHECK_INTERVAL: duration('15m'),
  RELAY_DISPATCHER_CONCURRENCY: positiveInt(64),
  RELAY_DISPATCHER_CACHE_SIZE: positiveInt(2_000),
  /** How long NATS waits for an ack before redelivering to another replica (after a crash). */
  RELAY_DISPATCHER_ACK_WAIT: duration('30s'),
  /** Referrals and notices older than this are anonymised into ARCHIVE (decision 0006). */
  RELAY_ANONYMISE_AFTER: optionalDuration,
  /** The HMAC key for anonymisation (at least 32 bytes). */
  RELAY_ANONYMISE_KEY_FILE: z.string().min(1).optional(),
  RELAY_RETENTION_INTERVAL: duration('1h'),
  /** How far a status's `occurredAt` may lie ahead of now or before its referral (decision 0095). */
  RELAY_STATUS_CLOCK_SKEW: duration('5m'),
});

/** Validated, frozen dispatcher configuration. */
export interface DispatcherConfig {
  readonly bus: BusConfig;
  readonly logLevel: LogLevel;
  readonly opsPort: number;
  readonly directoryFile: string | undefined;
  /** The pinned directory key; undefined in development only (unsigned directories accepted, verification may be off). */
  readonly directoryKey: string | undefined;
  readonly settings: DispatcherSettings;
  /** Anonymisation of old referrals and notices, when configured. */
  readonly retention: { readonly afterMs: number; readonly key: Uint8Array; readonly intervalMs: number } | undefined;
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
  if ((e.RELAY_ANONYMISE_AFTER === undefined) !== (e.RELAY_ANONYMISE_KEY_FILE === undefined)) {
    throw new ConfigError(['RELAY_ANONYMISE_AFTER and RELAY_ANONYMISE_KEY_FILE: set both (to anonymise) or neither']);
  }
  let retention: DispatcherConfig['retention'];
  if (e.RELAY_ANONYMISE_AFTER !== undefined && e.RELAY_ANONYMISE_KEY_FILE !== undefined) {
    let key: Uint8Array;
    try {
      key = readFileSync(e.RELAY_ANONYMISE_KEY_FILE);
    } catch (err) {
      throw new ConfigError([`RELAY_ANONYMISE_KEY_FILE: cannot read ${e.RELAY_ANONYMISE_KEY_FILE}: ${(err as Error).message}`]);
    }
    if (key.length < 32) throw new ConfigError(['RELAY_ANONYMISE_KEY_FILE: the key must be at least 32 bytes']);
    retention = Object.freeze({ afterMs: e.RELAY_ANONYMISE_AFTER, key, intervalMs: e.RELAY_RETENTION_INTERVAL });
  }
  return Object.freeze({
    retention,
    bus,
    logLevel: e.LOG_LEVEL,
    opsPort: e.RELAY_OPS_PORT,
    directoryFile: e.RELAY_DIRECTORY_FILE,
    directoryKey: e.RELAY_DIRECTORY_KEY,
    settings: Object.freeze({
      recheckIntervalMs: e.RELAY_RECHECK_INTERVAL,
      // Short intervals (tests, demo) need a finer tick to keep their promise.
      tickMs: Math.max(20, Math.min(250, Math.floor(e.RELAY_RECHECK_INTERVAL / 20))),
      concurrency: e.RELAY_DISPATCHER_CONCURRENCY,
      cacheSize: e.RELAY_DISPATCHER_CACHE_SIZE,
      ackWaitMs: e.RELAY_DISPATCHER_ACK_WAIT,
      statusClockSkewMs: e.RELAY_STATUS_CLOCK_SKEW,
    }),
  });
}
