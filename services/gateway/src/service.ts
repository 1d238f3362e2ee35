import type { Bus, Stoppable } from '@relay/bus';
import type { Logger, Metrics } from '@relay/observability';
import { createIntake, type IntakeMetrics } from './intake.js';
import { createKeyring } from './auth.js';
import type { GatewayConfig } from './config.js';
import { buildHttpApp, type HttpApp } from './http.js';
import { createSharedRateLimiter } from './limits.js';
import { createLoadGate } from './load-gate.js';
import { serveNatsIntake } from './nats-intake.js';
import { buildOpsApp, type OpsApp } from './ops-http.js';
import { createReportLedger } from './report-ledger.js';
import { createStoredReports } from './stored-reports.js';
import { createStatusIntake } from './status.js';

/** Version shown in the OpenAPI document. */
export const GATEWAY_VERSION = '0.1.0';

/** A running gateway: the HTTP API and the NATS intake. */
export interface Gateway extends Stoppable {
  /** The port the HTTP API listens on (useful with port 0). */
  readonly port: number;
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The fastify instance, for `inject` in tests. */
  readonly http: HttpApp;
  /** The port of `/metrics`, `/healthz`, `/openapi.json` and `/docs`. */
  readonly opsPort: number;
  /** Base URL of the ops port, e.g. `http://127.0.0.1:9101`. */
  readonly opsUrl: string;
  /** The ops fastify instance, for `inject` in tests. */
  readonly ops: OpsApp;
}

/** What the gateway runs on: config, a connected bus with topology ensured, logger and metrics. */
export interface GatewayDeps {
  readonly config: GatewayConfig;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The clock; tests may pin it. */
  readonly now?: () => Date;
}

function intakeMetrics(metrics: Metrics): IntakeMetrics & { statusStored(hotline: string, outcome: 'stored' | 'duplicate'): void } {
  const reports = metrics.counter('relay_intake_reports_total', 'Reports acknowledged by JetStream, by source, format and outcome', [
    'source',
    'format',
    'outcome',
  ]);
  const refusals = metrics.counter('relay_gateway_refusals_total', 'Submissions refused, by status and rule', ['status', 'rule']);
  const statuses = metrics.counter('relay_gateway_statuses_total', 'Status updates stored for hotlines over HTTP, by hotline and outcome', ['hotline', 'outcome']);
  const replies = metrics.counter('relay_gateway_refused_replies_total', 'NATS intake requests dropped unanswered: the reply subject was not a reply inbox', []);
  return {
    accepted: (source, format, outcome) => reports.inc({ source, format, outcome }),
    refused: (status, rule) => refusals.inc({ status: String(status), rule }),
    refusedReply: () => replies.inc(),
    statusStored: (hotline, outcome) => statuses.inc({ hotline, outcome }),
  };
}

/**
 * Wires the gateway on a connected bus (topology already ensured) and starts
 * listening: the API on the configured host and port, the ops app on the ops
 * host and port, NATS on `relay.intake.submit`. `stop()` stops taking reports, lets the in-flight
 * ones finish, and leaves the bus to the caller.
 */
export async function startGateway(deps: GatewayDeps): Promise<Gateway> {
  const { config, bus, logger } = deps;
  const metrics = intakeMetrics(deps.metrics);
  const keyring = createKeyring(config.sources);
  const ledger = createReportLedger(bus);
  const intake = createIntake({
    bus,
    ledger,
    reports: createStoredReports(bus, ledger),
    maxBodyBytes: config.bodyLimitBytes,
    publishTimeoutMs: config.publishTimeoutMs,
    publishAttempts: config.publishAttempts,
    now: deps.now ?? (() => new Date()),
    metrics,
    log: logger,
  });
  // The gateway is wired only after ensureTopology succeeded (main.ts), so topology is ready for good.
  const health = { nats: () => bus.isConnected(), topology: () => true };
  const limiter = createSharedRateLimiter(bus);
  const statuses = createStatusIntake({
    bus,
    maxBodyBytes: config.bodyLimitBytes,
    publishTimeoutMs: config.publishTimeoutMs,
    publishAttempts: config.publishAttempts,
    metrics,
    log: logger,
  });
  const inFlight = deps.metrics.gauge('relay_gateway_in_flight', 'Submissions the gateway holds now (HTTP and NATS), bounded by RELAY_MAX_IN_FLIGHT');
  const gate = createLoadGate(config.maxInFlight, (n) => inFlight.set(n));
  const http = await buildHttpApp({
    intake,
    statuses,
    keyring,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimitPerMinute: config.rateLimitPerMinute,
    limiter,
    gate,
    timeouts: config.httpTimeouts,
    health,
    metrics,
    logger,
  });
  const ops = await buildOpsApp({ registry: deps.metrics.registry, health, logger, version: GATEWAY_VERSION, bodyLimitBytes: config.bodyLimitBytes });
  const responder = serveNatsIntake({ bus, intake, keyring, limiter, gate, rateLimitPerMinute: config.rateLimitPerMinute, metrics });
  try {
    await ops.listen({ host: config.opsHost, port: config.opsPort });
    await http.listen({ host: config.httpHost, port: config.httpPort });
  } catch (err) {
    await responder.stop();
    await ops.close();
    throw err;
  }
  const port = portOf(http, config.httpPort);
  const opsPort = portOf(ops, config.opsPort);
  logger.info({ port, host: config.httpHost, opsPort, opsHost: config.opsHost, sources: config.sources.sources.map((s) => s.id) }, 'gateway listening');
  return {
    port,
    url: `http://${hostInUrl(config.httpHost)}:${port}`,
    http,
    opsPort,
    opsUrl: `http://${hostInUrl(config.opsHost)}:${opsPort}`,
    ops,
    stop: async () => {
      await responder.stop();
      await http.close();
      await ops.close();
    },
  };
}

function portOf(app: { server: { address(): unknown } }, configured: number): number {
  const address = app.server.address();
  return typeof address === 'object' && address !== null && 'port' in address && typeof address.port === 'number' ? address.port : configured;
}

function hostInUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
