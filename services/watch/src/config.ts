import { type BusConfig, choiceSetting, durationSetting, hostSetting, portSetting, serviceEnv, wholeNumberSetting } from '@relay/bus';
import { directoryKeysSchema } from '@relay/directory';
import { LogLevel } from '@relay/observability';
import { z } from 'zod';

/** The watch's own settings, from the environment (decision 0114; NATS settings are libs/bus's `busConfigFromEnv`). */
const watchEnvSchema = z.object({
  RELAY_OPS_PORT: portSetting(9105),
  RELAY_OPS_HOST: hostSetting('127.0.0.1'),
  /** The pinned directory key(s): only directories one of them signed are followed (decisions 0105, 0110, 0111). */
  RELAY_DIRECTORY_KEY: directoryKeysSchema,
  /** How often waves are checked for their window having passed. */
  RELAY_WATCH_SWEEP_INTERVAL: durationSetting('30s'),
  RELAY_WATCH_CONCURRENCY: wholeNumberSetting(1, 256, 16),
  LOG_LEVEL: choiceSetting(LogLevel, 'info'),
});

/** Validated, frozen settings of the watch. */
export interface WatchConfig {
  readonly bus: BusConfig;
  /** Port of `/metrics` and `/healthz`. */
  readonly opsPort: number;
  /** Interface of `/metrics` and `/healthz`: loopback unless a probe or scraper must reach it (`0.0.0.0` in a pod). */
  readonly opsHost: string;
  /** The pinned directory keys: required, so the watch fails closed (decision 0111). */
  readonly directoryKey: readonly string[];
  /** ms. */
  readonly sweepIntervalMs: number;
  /** Notices handled at once. */
  readonly concurrency: number;
  readonly logLevel: LogLevel;
}

/**
 * Reads the watch's settings from an environment object.
 * @throws ConfigError naming each bad variable and the rule it broke.
 */
export function watchConfigFromEnv(env: Readonly<Record<string, string | undefined>>): WatchConfig {
  const { bus, settings: e } = serviceEnv(env, 'watch', watchEnvSchema);
  return Object.freeze({
    bus,
    opsPort: e.RELAY_OPS_PORT,
    opsHost: e.RELAY_OPS_HOST,
    directoryKey: Object.freeze(e.RELAY_DIRECTORY_KEY),
    sweepIntervalMs: e.RELAY_WATCH_SWEEP_INTERVAL,
    concurrency: e.RELAY_WATCH_CONCURRENCY,
    logLevel: e.LOG_LEVEL,
  });
}
