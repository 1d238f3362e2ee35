import { existsSync, statSync } from 'node:fs';
import { type BusConfig, choiceSetting, durationSetting, pathSetting, hostSetting, portSetting, serviceEnv, wholeNumberSetting } from '@relay/bus';
import { directoryKeysSchema } from '@relay/directory';
import { LogLevel } from '@relay/observability';
import { z } from 'zod';
import type { RetryPolicy } from './backoff.js';
import type { BreakerPolicy } from './breaker.js';
import type { OutboundLimits } from './outbound.js';

/** The courier's own settings, from the environment (decision 0114; NATS settings are libs/bus's). */
const courierEnvSchema = z.object({
  /** The pinned directory key(s): endpoints and signers come only from a directory one of them signed (decision 0111). */
  RELAY_DIRECTORY_KEY: directoryKeysSchema,
  /** Folder of the webhook secrets and client certificates the directory names by reference. */
  RELAY_COURIER_SECRETS_DIR: pathSetting('the folder of the webhook secrets (secretRef, clientCertRef)').refine(
    (p) => existsSync(p) && statSync(p).isDirectory(),
    'folder does not exist',
  ),
  RELAY_WEBHOOK_CONNECT_TIMEOUT: durationSetting('5s'),
  RELAY_WEBHOOK_TIMEOUT: durationSetting('15s'),
  RELAY_WEBHOOK_MAX_RESPONSE_BYTES: wholeNumberSetting(0, 1_048_576, 65_536),
  RELAY_WEBHOOK_RETRY_INITIAL: durationSetting('1s'),
  RELAY_WEBHOOK_RETRY_MAX: durationSetting('10m'),
  RELAY_WEBHOOK_MAX_AGE: durationSetting('24h'),
  RELAY_WEBHOOK_BREAKER_FAILURES: wholeNumberSetting(1, 1_000, 5),
  RELAY_WEBHOOK_BREAKER_OPEN: durationSetting('30s'),
  RELAY_OPS_PORT: portSetting(9104),
  RELAY_OPS_HOST: hostSetting('127.0.0.1'),
  LOG_LEVEL: choiceSetting(LogLevel, 'info'),
});

/** Validated, frozen settings of the courier. */
export interface CourierConfig {
  readonly bus: BusConfig;
  readonly directoryKey: readonly string[];
  readonly secretsDir: string;
  readonly limits: OutboundLimits;
  readonly retry: RetryPolicy;
  readonly breaker: BreakerPolicy;
  /** Port of `/metrics` and `/healthz`. */
  readonly opsPort: number;
  /** Interface of `/metrics` and `/healthz`: loopback unless a probe or scraper must reach it (`0.0.0.0` in a pod). */
  readonly opsHost: string;
  readonly logLevel: LogLevel;
}

/**
 * Reads the courier's settings from an environment object.
 * @throws ConfigError naming each bad variable and the rule it broke.
 */
export function courierConfigFromEnv(env: Readonly<Record<string, string | undefined>>): CourierConfig {
  const { bus, settings: e } = serviceEnv(env, 'courier', courierEnvSchema, (s) =>
    s.RELAY_WEBHOOK_CONNECT_TIMEOUT > s.RELAY_WEBHOOK_TIMEOUT ? ['RELAY_WEBHOOK_CONNECT_TIMEOUT: must not be longer than RELAY_WEBHOOK_TIMEOUT'] : [],
  );
  return Object.freeze({
    bus,
    directoryKey: Object.freeze(e.RELAY_DIRECTORY_KEY),
    secretsDir: e.RELAY_COURIER_SECRETS_DIR,
    limits: Object.freeze({ connectTimeoutMs: e.RELAY_WEBHOOK_CONNECT_TIMEOUT, totalTimeoutMs: e.RELAY_WEBHOOK_TIMEOUT, maxResponseBytes: e.RELAY_WEBHOOK_MAX_RESPONSE_BYTES }),
    retry: Object.freeze({ initialMs: e.RELAY_WEBHOOK_RETRY_INITIAL, maxDelayMs: e.RELAY_WEBHOOK_RETRY_MAX, maxAgeMs: e.RELAY_WEBHOOK_MAX_AGE }),
    breaker: Object.freeze({ failures: e.RELAY_WEBHOOK_BREAKER_FAILURES, openMs: e.RELAY_WEBHOOK_BREAKER_OPEN }),
    opsPort: e.RELAY_OPS_PORT,
    opsHost: e.RELAY_OPS_HOST,
    logLevel: e.LOG_LEVEL,
  });
}
