import { readFileSync } from 'node:fs';
import {
  type BusConfig,
  choiceSetting,
  ConfigError,
  durationSetting,
  optionalDurationSetting,
  pathSetting,
  hostSetting,
  portSetting,
  serviceEnv,
  wholeNumberSetting,
} from '@relay/bus';
import { type Directory, directoryKeysSchema, isDirectoryInvalidError, isDirectorySignatureError, isDirectoryUnreadableError, loadDirectoryFile } from '@relay/directory';
import { LogLevel } from '@relay/observability';
import { anonymisationKey } from '@relay/wire';
import { z } from 'zod';
import { CRASH_POINTS } from './crash-points.js';
import type { DispatcherSettings } from './dispatcher.js';

/** The dispatcher's own settings, from the environment (decision 0114). */
const envSchema = z.object({
  LOG_LEVEL: choiceSetting(LogLevel, 'info'),
  RELAY_OPS_PORT: portSetting(9103),
  RELAY_OPS_HOST: hostSetting('127.0.0.1'),
  /** Seeds the directory bucket from this file when it is empty. */
  RELAY_DIRECTORY_FILE: pathSetting('the directory file').optional(),
  /** The pinned directory key(s) (public operator nkeys, comma-separated): only directories one of them signed are followed (decisions 0105, 0110, 0111). */
  RELAY_DIRECTORY_KEY: directoryKeysSchema,
  RELAY_RECHECK_INTERVAL: durationSetting('15m'),
  RELAY_DISPATCHER_CONCURRENCY: wholeNumberSetting(1, 1024, 64),
  RELAY_DISPATCHER_CACHE_SIZE: wholeNumberSetting(1, 10_000_000, 2_000),
  /** How long NATS waits for an ack before redelivering to another replica (after a crash). */
  RELAY_DISPATCHER_ACK_WAIT: durationSetting('30s'),
  /** Referrals and notices older than this are anonymised into ARCHIVE (decision 0006). */
  RELAY_ANONYMISE_AFTER: optionalDurationSetting(),
  /** The HMAC key for anonymisation (at least 32 bytes). */
  RELAY_ANONYMISE_KEY_FILE: pathSetting('the HMAC key file').optional(),
  RELAY_RETENTION_INTERVAL: durationSetting('1h'),
  /** How far a status's `occurredAt` may lie ahead of now or before its referral (decision 0095). */
  RELAY_STATUS_CLOCK_SKEW: durationSetting('5m'),
  /** How often every stored case is read again: other replicas' cases (decision 0141). */
  RELAY_CASE_RESYNC: durationSetting('1h'),
  /** Only the crash-point suite sets it: SIGKILL at `<event>:<stage>` (decision 0142). */
  RELAY_CRASH_AT: z.enum(CRASH_POINTS).optional(),
});

/** Validated, frozen dispatcher configuration. */
export interface DispatcherConfig {
  readonly bus: BusConfig;
  readonly logLevel: LogLevel;
  readonly opsPort: number;
  /** Interface of `/metrics` and `/healthz`: loopback unless a probe or scraper must reach it (`0.0.0.0` in a pod). */
  readonly opsHost: string;
  readonly directoryFile: string | undefined;
  /** The directory read from `directoryFile`, stored at start when none is stored yet. */
  readonly directorySeed: Directory | undefined;
  /** The pinned directory keys (one; two while rotating): required, so the dispatcher fails closed (decision 0111). */
  readonly directoryKey: readonly string[];
  readonly settings: DispatcherSettings;
  /** Anonymisation of old referrals and notices, when configured. */
  readonly retention: { readonly afterMs: number; readonly key: Uint8Array; readonly intervalMs: number } | undefined;
}

/**
 * Reads the dispatcher's configuration from an environment object.
 * @throws ConfigError naming every bad variable and its rule.
 */
export function dispatcherConfigFromEnv(env: Readonly<Record<string, string | undefined>>): DispatcherConfig {
  const { bus, settings: e } = serviceEnv(env, 'dispatcher', envSchema);
  if ((e.RELAY_ANONYMISE_AFTER === undefined) !== (e.RELAY_ANONYMISE_KEY_FILE === undefined)) {
    throw new ConfigError(['RELAY_ANONYMISE_AFTER and RELAY_ANONYMISE_KEY_FILE: set both (to anonymise) or neither']);
  }
  let retention: DispatcherConfig['retention'];
  if (e.RELAY_ANONYMISE_AFTER !== undefined && e.RELAY_ANONYMISE_KEY_FILE !== undefined) {
    let key: Uint8Array;
    try {
      key = anonymisationKey(readFileSync(e.RELAY_ANONYMISE_KEY_FILE));
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
    opsHost: e.RELAY_OPS_HOST,
    directoryFile: e.RELAY_DIRECTORY_FILE,
    directorySeed: e.RELAY_DIRECTORY_FILE === undefined ? undefined : directoryOf(e.RELAY_DIRECTORY_FILE, e.RELAY_DIRECTORY_KEY),
    directoryKey: Object.freeze(e.RELAY_DIRECTORY_KEY),
    settings: Object.freeze({
      recheckIntervalMs: e.RELAY_RECHECK_INTERVAL,
      // Short intervals (tests, demo) need a finer tick to keep their promise.
      tickMs: Math.max(20, Math.min(250, Math.floor(e.RELAY_RECHECK_INTERVAL / 20))),
      concurrency: e.RELAY_DISPATCHER_CONCURRENCY,
      cacheSize: e.RELAY_DISPATCHER_CACHE_SIZE,
      ackWaitMs: e.RELAY_DISPATCHER_ACK_WAIT,
      statusClockSkewMs: e.RELAY_STATUS_CLOCK_SKEW,
      caseResyncMs: e.RELAY_CASE_RESYNC,
      ...(e.RELAY_CRASH_AT === undefined ? {} : { crashAt: e.RELAY_CRASH_AT }),
    }),
  });
}

/**
 * The directory file the dispatcher seeds the bucket with, checked against
 * the pinned keys.
 * @throws ConfigError naming `RELAY_DIRECTORY_FILE` when it is unreadable, invalid or not validly signed.
 */
function directoryOf(file: string, key: readonly string[]): Directory {
  try {
    return loadDirectoryFile(file, key);
  } catch (err) {
    if (!isDirectoryInvalidError(err) && !isDirectoryUnreadableError(err) && !isDirectorySignatureError(err)) throw err;
    throw new ConfigError([`RELAY_DIRECTORY_FILE: ${err.message}`]);
  }
}
