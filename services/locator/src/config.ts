import { existsSync } from 'node:fs';
import { ConfigError, portSetting } from '@relay/bus';
import { directoryKeysSchema } from '@relay/directory';
import { LogLevel } from '@relay/observability';
import { z } from 'zod';

const file = z.string().min(1).refine((p) => existsSync(p), 'file does not exist');
const duration = z
  .string()
  .regex(/^\d+(ms|s)$/, 'must be a duration like 500ms or 2s')
  .transform((v) => (v.endsWith('ms') ? Number(v.slice(0, -2)) : Number(v.slice(0, -1)) * 1000));

/** The locator's own settings (NATS settings are libs/bus's `busConfigFromEnv`). */
const locatorEnvSchema = z
  .object({
    RELAY_DNS: z.enum(['system', 'zone']).default('system'),
    RELAY_DNS_ZONE_FILE: file.optional(),
    RELAY_DNS_SERVERS: z
      .string()
      .regex(/^[\w.:[\]]+(,[\w.:[\]]+)*$/, 'must be comma-separated name servers (1.2.3.4, [::1]:53)')
      .optional(),
    RELAY_DNS_TIMEOUT: duration.default(2000),
    RELAY_GEO_COUNTRY_DB: file.optional(),
    RELAY_GEO_ASN_DB: file.optional(),
    RELAY_OPS_PORT: portSetting(9102),
    /** The pinned directory key(s) (public operator nkeys, comma-separated): only directories one of them signed are followed (decisions 0105, 0110, 0111). */
    RELAY_DIRECTORY_KEY: directoryKeysSchema,
    RELAY_LOCATOR_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(64),
    LOG_LEVEL: z.enum(LogLevel).default('info'),
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
  readonly dns: DnsConfig;
  /** Licensed MaxMind-format databases replacing the embedded data. */
  readonly countryDb?: string;
  readonly asnDb?: string;
  /** Port of `/metrics` and `/healthz`. */
  readonly opsPort: number;
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
  const parsed = locatorEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`));
  }
  const e = parsed.data;
  const dns: DnsConfig =
    e.RELAY_DNS === 'zone' && e.RELAY_DNS_ZONE_FILE !== undefined
      ? { kind: 'zone', zoneFile: e.RELAY_DNS_ZONE_FILE }
      : { kind: 'system', servers: e.RELAY_DNS_SERVERS?.split(',') ?? [], timeoutMs: e.RELAY_DNS_TIMEOUT };
  return Object.freeze({
    dns: Object.freeze(dns),
    opsPort: e.RELAY_OPS_PORT,
    concurrency: e.RELAY_LOCATOR_CONCURRENCY,
    logLevel: e.LOG_LEVEL,
    ...(e.RELAY_GEO_COUNTRY_DB === undefined ? {} : { countryDb: e.RELAY_GEO_COUNTRY_DB }),
    ...(e.RELAY_GEO_ASN_DB === undefined ? {} : { asnDb: e.RELAY_GEO_ASN_DB }),
    directoryKey: Object.freeze(e.RELAY_DIRECTORY_KEY),
  });
}
