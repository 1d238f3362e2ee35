import { type BusConfig, choiceSetting, durationSetting, existingFileSetting, hostSetting, portSetting, serviceEnv, wholeNumberSetting } from '@relay/bus';
import { directoryKeysSchema } from '@relay/directory';
import { LogLevel } from '@relay/observability';
import { z } from 'zod';

/** The locator's own settings, from the environment (decision 0114; NATS settings are libs/bus's `busConfigFromEnv`). */
const locatorEnvSchema = z
  .object({
    RELAY_DNS: choiceSetting(['system', 'zone'], 'system'),
    RELAY_DNS_ZONE_FILE: existingFileSetting.optional(),
    RELAY_DNS_SERVERS: z
      .string()
      .regex(/^[\w.:[\]]+(,[\w.:[\]]+)*$/, 'must be comma-separated name servers (1.2.3.4, [::1]:53)')
      .optional(),
    RELAY_DNS_TIMEOUT: durationSetting('2s'),
    RELAY_GEO_COUNTRY_DB: existingFileSetting.optional(),
    RELAY_GEO_ASN_DB: existingFileSetting.optional(),
    RELAY_OPS_PORT: portSetting(9102),
    RELAY_OPS_HOST: hostSetting('127.0.0.1'),
    /** The pinned directory key(s) (public operator nkeys, comma-separated): only directories one of them signed are followed (decisions 0105, 0110, 0111). */
    RELAY_DIRECTORY_KEY: directoryKeysSchema,
    RELAY_LOCATOR_CONCURRENCY: wholeNumberSetting(1, 1024, 64),
    LOG_LEVEL: choiceSetting(LogLevel, 'info'),
  })
  .refine((e) => e.RELAY_DNS !== 'zone' || e.RELAY_DNS_ZONE_FILE !== undefined, {
    path: ['RELAY_DNS_ZONE_FILE'],
    message: 'is required when RELAY_DNS=zone',
  });

/** Where host names are resolved. */
export type DnsConfig =
  | { readonly kind: 'system'; readonly servers: readonly string[]; readonly timeoutMs: number }
  | { readonly kind: 'zone'; readonly zoneFile: string };

/** Validated, frozen settings of the locator. */
export interface LocatorConfig {
  readonly bus: BusConfig;
  readonly dns: DnsConfig;
  /** Licensed MaxMind-format databases replacing the embedded data. */
  readonly countryDb?: string;
  readonly asnDb?: string;
  /** Port of `/metrics` and `/healthz`. */
  readonly opsPort: number;
  /** Interface of `/metrics` and `/healthz`: loopback unless a probe or scraper must reach it (`0.0.0.0` in a pod). */
  readonly opsHost: string;
  /** Reports (and rechecks) handled at once per consumer. */
  readonly concurrency: number;
  readonly logLevel: LogLevel;
  /** The pinned directory keys (one; two while rotating): required, so the locator fails closed (decision 0111). */
  readonly directoryKey: readonly string[];
}

/**
 * Reads the locator's settings from an environment object.
 * @throws ConfigError naming each bad variable and the rule it broke.
 */
export function locatorConfigFromEnv(env: Readonly<Record<string, string | undefined>>): LocatorConfig {
  const { bus, settings: e } = serviceEnv(env, 'locator', locatorEnvSchema);
  const dns: DnsConfig =
    e.RELAY_DNS === 'zone' && e.RELAY_DNS_ZONE_FILE !== undefined
      ? { kind: 'zone', zoneFile: e.RELAY_DNS_ZONE_FILE }
      : { kind: 'system', servers: e.RELAY_DNS_SERVERS?.split(',') ?? [], timeoutMs: e.RELAY_DNS_TIMEOUT };
  return Object.freeze({
    bus,
    dns: Object.freeze(dns),
    opsPort: e.RELAY_OPS_PORT,
    opsHost: e.RELAY_OPS_HOST,
    concurrency: e.RELAY_LOCATOR_CONCURRENCY,
    logLevel: e.LOG_LEVEL,
    ...(e.RELAY_GEO_COUNTRY_DB === undefined ? {} : { countryDb: e.RELAY_GEO_COUNTRY_DB }),
    ...(e.RELAY_GEO_ASN_DB === undefined ? {} : { asnDb: e.RELAY_GEO_ASN_DB }),
    directoryKey: Object.freeze(e.RELAY_DIRECTORY_KEY),
  });
}
