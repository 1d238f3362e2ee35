import { type BusConfig, choiceSetting, hostSetting, pathSetting, portSetting, serviceEnv, wholeNumberSetting } from '@relay/bus';
import { LogLevel } from '@relay/observability';
import { z } from 'zod';
import { loadSources, type SourcesFile } from './sources.js';

/** The gateway's own settings, from the environment (decision 0114). */
export const gatewayEnvSchema = z.object({
  RELAY_HTTP_PORT: portSetting(8080),
  RELAY_HTTP_HOST: hostSetting('127.0.0.1'),
  RELAY_OPS_PORT: portSetting(9101),
  RELAY_OPS_HOST: hostSetting('127.0.0.1'),
  RELAY_HTTP_HEADERS_TIMEOUT_MS: wholeNumberSetting(100, 600_000, 10_000),
  RELAY_HTTP_REQUEST_TIMEOUT_MS: wholeNumberSetting(100, 600_000, 30_000),
  RELAY_HTTP_IDLE_TIMEOUT_MS: wholeNumberSetting(100, 600_000, 120_000),
  RELAY_HTTP_KEEP_ALIVE_TIMEOUT_MS: wholeNumberSetting(100, 600_000, 72_000),
  RELAY_SOURCES_FILE: pathSetting('the JSON file of sources and their API key hashes'),
  RELAY_BODY_LIMIT: wholeNumberSetting(1024, 64 * 1024 * 1024, 1024 * 1024),
  RELAY_RATE_LIMIT: wholeNumberSetting(1, 1_000_000, 1200),
  RELAY_PUBLISH_TIMEOUT_MS: wholeNumberSetting(100, 60_000, 2000),
  RELAY_PUBLISH_ATTEMPTS: wholeNumberSetting(1, 10, 3),
  RELAY_MAX_IN_FLIGHT: wholeNumberSetting(1, 100_000, 256),
  LOG_LEVEL: choiceSetting(LogLevel, 'info'),
});

/** Validated, frozen gateway settings. */
export interface GatewayConfig {
  readonly bus: BusConfig;
  /** HTTP port for the API (`/v1/reports`) and `/healthz`; 0 picks a free one. */
  readonly httpPort: number;
  /** Interface to listen on; `0.0.0.0` to accept from other hosts. */
  readonly httpHost: string;
  /** Port of `/metrics`, `/healthz`, `/openapi.json` and `/docs`, never public (decision 0093); 0 picks a free one. */
  readonly opsPort: number;
  /** Interface of the ops port; `0.0.0.0` for a scraper on another host. */
  readonly opsHost: string;
  /** Timeouts of the public HTTP server, ms (decision 0093). */
  readonly httpTimeouts: HttpTimeouts;
  /** Who may submit, with their hashed keys. */
  readonly sources: SourcesFile;
  /** Largest accepted body, bytes. */
  readonly bodyLimitBytes: number;
  /** Reports per minute per source unless its entry sets its own. */
  readonly rateLimitPerMinute: number;
  /** Wait for each JetStream ack, ms. */
  readonly publishTimeoutMs: number;
  /** Publish attempts before answering 503. */
  readonly publishAttempts: number;
  /** Submissions held at once (HTTP and NATS together); above it, 503 `overloaded` (decision 0145). */
  readonly maxInFlight: number;
  readonly logLevel: LogLevel;
}

/** How long the public HTTP server waits for a client, ms. */
export interface HttpTimeouts {
  /** From connection to the end of the request headers (slow-loris headers). */
  readonly headersMs: number;
  /** From connection to the end of the whole request, body included; at least `headersMs`. */
  readonly requestMs: number;
  /** A socket with no traffic for this long is closed. */
  readonly idleMs: number;
  /** An idle keep-alive connection is kept this long; above the idle timeout of a load balancer in front. */
  readonly keepAliveMs: number;
}

/**
 * Reads the gateway's settings and the sources file.
 * @throws ConfigError naming each bad variable and the rule it broke.
 */
export function gatewayConfigFromEnv(env: Readonly<Record<string, string | undefined>>): GatewayConfig {
  const { bus, settings: e } = serviceEnv(env, 'gateway', gatewayEnvSchema, (e) =>
    e.RELAY_HTTP_HEADERS_TIMEOUT_MS > e.RELAY_HTTP_REQUEST_TIMEOUT_MS
      ? ['RELAY_HTTP_HEADERS_TIMEOUT_MS: must not exceed RELAY_HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)']
      : [],
  );
  return Object.freeze({
    bus,
    httpPort: e.RELAY_HTTP_PORT,
    httpHost: e.RELAY_HTTP_HOST,
    opsPort: e.RELAY_OPS_PORT,
    opsHost: e.RELAY_OPS_HOST,
    httpTimeouts: Object.freeze({
      headersMs: e.RELAY_HTTP_HEADERS_TIMEOUT_MS,
      requestMs: e.RELAY_HTTP_REQUEST_TIMEOUT_MS,
      idleMs: e.RELAY_HTTP_IDLE_TIMEOUT_MS,
      keepAliveMs: e.RELAY_HTTP_KEEP_ALIVE_TIMEOUT_MS,
    }),
    sources: loadSources(e.RELAY_SOURCES_FILE),
    bodyLimitBytes: e.RELAY_BODY_LIMIT,
    rateLimitPerMinute: e.RELAY_RATE_LIMIT,
    publishTimeoutMs: e.RELAY_PUBLISH_TIMEOUT_MS,
    publishAttempts: e.RELAY_PUBLISH_ATTEMPTS,
    maxInFlight: e.RELAY_MAX_IN_FLIGHT,
    logLevel: e.LOG_LEVEL,
  });
}
