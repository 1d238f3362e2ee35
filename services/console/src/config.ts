import { type BusConfig, choiceSetting, durationSetting, hostSetting, pathSetting, portSetting, serviceEnv } from '@relay/bus';
import { LogLevel } from '@relay/observability';
import { z } from 'zod';
import { type WatchedService, watchedServicesSetting } from './watched-services.js';

/** The console's own settings, from the environment (decision 0114). */
export const consoleEnvSchema = z.object({
  RELAY_HTTP_PORT: portSetting(8090),
  RELAY_HTTP_HOST: hostSetting('127.0.0.1'),
  RELAY_OPS_PORT: portSetting(9106),
  RELAY_OPS_HOST: hostSetting('127.0.0.1'),
  RELAY_CONSOLE_USERS_FILE: pathSetting('the console users file that `relay console users add` writes'),
  RELAY_CONSOLE_KEYS_DIR: z.string().min(1, 'must be a folder').optional(),
  RELAY_CONSOLE_SESSION_TTL: durationSetting('8h'),
  RELAY_CONSOLE_SERVICES: watchedServicesSetting,
  LOG_LEVEL: choiceSetting(LogLevel, 'info'),
});

/** Validated, frozen console settings. */
export interface ConsoleConfig {
  readonly bus: BusConfig;
  /** Port of the web pages and their API, and `/healthz`; 0 picks a free one. */
  readonly httpPort: number;
  /** Interface to listen on. Anywhere but loopback the session cookie is `Secure` (served behind TLS). */
  readonly httpHost: string;
  /** Port of `/metrics` and `/healthz`; 0 picks a free one. */
  readonly opsPort: number;
  readonly opsHost: string;
  /** Who may sign in (`relay console users ...`), re-read at each sign-in. */
  readonly usersFile: string;
  /**
   * The generated accounts' `users/` folder holding `console-<tenant>.nk` (login) and
   * `console-<tenant>.signing.nk` (signing) for each tenant (decision 0135). Unset (the dev stack,
   * a server without accounts) every tenant connection uses the console's own NATS settings.
   */
  readonly keysDir?: string;
  /** A session ends this long after sign-in, ms. */
  readonly sessionTtlMs: number;
  /** Whether cookies carry `Secure` (and the `__Host-` prefix): whenever the console listens beyond loopback. */
  readonly secureCookies: boolean;
  /** The services whose `/healthz` the operator page shows up or down (`RELAY_CONSOLE_SERVICES`); none when unset. */
  readonly watchedServices: readonly WatchedService[];
  readonly logLevel: LogLevel;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * Reads the console's settings.
 * @throws ConfigError naming each bad variable and the rule it broke.
 */
export function consoleConfigFromEnv(env: Readonly<Record<string, string | undefined>>): ConsoleConfig {
  const { bus, settings: e } = serviceEnv(env, 'console', consoleEnvSchema);
  return Object.freeze({
    bus,
    httpPort: e.RELAY_HTTP_PORT,
    httpHost: e.RELAY_HTTP_HOST,
    opsPort: e.RELAY_OPS_PORT,
    opsHost: e.RELAY_OPS_HOST,
    usersFile: e.RELAY_CONSOLE_USERS_FILE,
    ...(e.RELAY_CONSOLE_KEYS_DIR === undefined ? {} : { keysDir: e.RELAY_CONSOLE_KEYS_DIR }),
    sessionTtlMs: e.RELAY_CONSOLE_SESSION_TTL,
    secureCookies: !LOOPBACK.test(e.RELAY_HTTP_HOST),
    watchedServices: e.RELAY_CONSOLE_SERVICES,
    logLevel: e.LOG_LEVEL,
  });
}
