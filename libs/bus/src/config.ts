import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { configIssues } from './settings.js';

const natsUrl = z
  .string()
  .min(1)
  .refine(
    (v) => v.split(',').every((u) => /^(nats|tls|ws|wss):\/\/[^\s/]+(:\d+)?\/?$/.test(u.trim())),
    'must be one or more comma-separated nats:// or tls:// URLs',
  );

/** The NATS settings every service and tool reads, from the environment. */
export const busEnvSchema = z.object({
  NATS_URL: natsUrl,
  NATS_CREDS: z.string().min(1).optional(),
  NATS_NKEY_SEED_FILE: z.string().min(1).optional(),
  NATS_TLS_CA: z.string().min(1).optional(),
  NATS_TLS_CERT: z.string().min(1).optional(),
  NATS_TLS_KEY: z.string().min(1).optional(),
  NATS_CLIENT_NAME: z.string().regex(/^[\w.-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_.-]').optional(),
  NATS_INBOX_PREFIX: z
    .string()
    .regex(/^[\w-]+(\.[\w-]+)*$/, 'must be a subject without wildcards')
    .optional(),
  RELAY_REPLICAS: z.enum(['1', '3', '5']).default('1'),
  RELAY_SIGNING_KEY_FILE: z.string().min(1).optional(),
});

/** Validated, frozen NATS settings. */
export interface BusConfig {
  /** One or more server URLs. */
  readonly servers: readonly string[];
  /** Contents of a `.creds` file (JWT + nkey seed). */
  readonly creds?: Uint8Array;
  /** An nkey seed for nkey authentication. */
  readonly nkeySeed?: Uint8Array;
  /** TLS files: CA to trust, client certificate and key. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** Connection name shown by the server (`nats server report connections`). */
  readonly name: string;
  /** Inbox prefix for request replies; restricted users must set one they may subscribe to. */
  readonly inboxPrefix?: string;
  /** Replicas of every stream and KV bucket: 1 for one server, 3 for a cluster. */
  readonly replicas: number;
  /** nkey seed that signs every message this process publishes (provenance). */
  readonly signingSeed?: Uint8Array;
}

/**
 * Reads the NATS settings from an environment object (not `process.env`
 * deep inside: main.ts passes it in). `NATS_URL` is required here; the
 * embedded dev default is the CLI's business.
 * @throws ConfigError naming each bad variable and the rule it broke.
 */
export function busConfigFromEnv(env: Readonly<Record<string, string | undefined>>, defaultName: string): BusConfig {
  const parsed = busEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(configIssues(parsed.error));
  }
  const e = parsed.data;
  const read = (variable: string, path: string | undefined): Uint8Array | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError([`${variable}: cannot read ${path}: ${(err as Error).message}`]);
    }
  };
  const creds = read('NATS_CREDS', e.NATS_CREDS);
  const nkeySeed = read('NATS_NKEY_SEED_FILE', e.NATS_NKEY_SEED_FILE);
  const signingSeed = read('RELAY_SIGNING_KEY_FILE', e.RELAY_SIGNING_KEY_FILE);
  const tls =
    e.NATS_TLS_CA ?? e.NATS_TLS_CERT ?? e.NATS_TLS_KEY
      ? {
          ...(e.NATS_TLS_CA === undefined ? {} : { caFile: e.NATS_TLS_CA }),
          ...(e.NATS_TLS_CERT === undefined ? {} : { certFile: e.NATS_TLS_CERT }),
          ...(e.NATS_TLS_KEY === undefined ? {} : { keyFile: e.NATS_TLS_KEY }),
        }
      : undefined;
  if ((e.NATS_TLS_CERT === undefined) !== (e.NATS_TLS_KEY === undefined)) {
    throw new ConfigError(['NATS_TLS_CERT and NATS_TLS_KEY: set both or neither']);
  }
  return Object.freeze({
    servers: e.NATS_URL.split(',').map((u) => u.trim()),
    name: e.NATS_CLIENT_NAME ?? defaultName,
    replicas: Number(e.RELAY_REPLICAS),
    ...(creds === undefined ? {} : { creds }),
    ...(nkeySeed === undefined ? {} : { nkeySeed }),
    ...(signingSeed === undefined ? {} : { signingSeed }),
    ...(tls === undefined ? {} : { tls: Object.freeze(tls) }),
    ...(e.NATS_INBOX_PREFIX === undefined ? {} : { inboxPrefix: e.NATS_INBOX_PREFIX }),
  });
}

/**
 * Reads a service's settings: the NATS settings of {@link busConfigFromEnv}
 * and the service's own `schema`, then the `checks` across its settings.
 * Every service's `config.ts` starts here (decision 0114).
 * @throws ConfigError naming every bad variable of both and the rule it broke.
 */
export function serviceEnv<T>(
  env: Readonly<Record<string, string | undefined>>,
  service: string,
  schema: z.ZodType<T, unknown>,
  checks: (settings: T) => readonly string[] = () => [],
): { readonly bus: BusConfig; readonly settings: T } {
  const parsed = schema.safeParse(env);
  const issues = parsed.success ? [...checks(parsed.data)] : configIssues(parsed.error);
  let bus: BusConfig | undefined;
  try {
    bus = busConfigFromEnv(env, service);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  if (!parsed.success || bus === undefined || issues.length > 0) throw new ConfigError(issues);
  return { bus, settings: parsed.data };
}
