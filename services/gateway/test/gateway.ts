import { readFileSync } from 'node:fs';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, getStoredMessage, request, streamState, type TopologyOptions } from '@relay/bus';
import { createLogger, createMetrics } from '@relay/observability';
import { DEV_SOURCES_FILE } from '@relay/testing';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { decodeMessage, Header, type Report, RelayType, StreamName, subjects } from '@relay/wire';
import { gatewayConfigFromEnv } from '../src/config.js';
import { digestReportId } from '../src/dropped.js';
import { type Gateway, startGateway } from '../src/service.js';
import { readXml } from '../src/xml.js';

/**
 * Test support of this package (decision 0116): a real nats-server (testkit),
 * a bus with the topology ensured, and a gateway on a free port using the dev
 * sources file. Outside src/, so never built into dist.
 */

/** Reads a file of `services/gateway/test-fixtures`. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../test-fixtures/${name}`, import.meta.url), 'utf8');
}

/** What the intake drops from the fixture `cybertipline-report.xml` (personal data and what it does not relay), as JSON pointers. */
export const CYBERTIPLINE_REPORT_DROPPED = [
  '/report/incidentSummary/platform',
  '/report/incidentSummary/incidentDateTimeDescription',
  '/report/internetDetails/0/webPageIncident/additionalInfo',
  '/report/internetDetails/0/webPageIncident/@thirdPartyHostedContent',
  '/report/reporter',
  '/report/personOrUserReported',
] as const;

/** The source report id the gateway derives for a CyberTipline document (it carries none of its own). */
export function ctDigestId(xml: string): string {
  const read = readXml(xml);
  if (!read.ok) throw new Error(`not a readable XML document: ${read.problem.detail}`);
  return digestReportId(read.tree);
}

/** A gateway on its own nats-server. */
export interface TestGateway {
  readonly server: NatsServer;
  readonly bus: Bus;
  readonly gateway: Gateway;
  /** Messages in REPORTS now. */
  reportCount(): Promise<number>;
  /** The stored report at `seq`, with its subject and headers. */
  storedReport(seq: number): Promise<{ subject: string; headers: Readonly<Record<string, string>>; report: Report }>;
  /** A submission over HTTP (fastify inject): its status and JSON answer. */
  http(method: 'POST' | 'PUT', path: string, submission: Submission): Promise<IntakeReply>;
  /** The same submission as a request on `relay.intake.submit`: `Relay-Status` and the JSON reply. */
  nats(submission: Submission): Promise<IntakeReply>;
  dispose(): Promise<void>;
}

/** One submission: API key, media type, body and more headers. */
export interface Submission {
  readonly key: string;
  readonly type: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the intake answered. */
export interface IntakeReply {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

/** Options of {@link startTestGateway}. */
export interface TestGatewayOptions {
  /** False: the server has no JetStream, so nothing is ever acknowledged. */
  readonly jetstream?: boolean;
  /** Topology overrides, e.g. a short duplicate window of REPORTS. */
  readonly topology?: Omit<TopologyOptions, 'replicas'>;
  /** Join this server (another gateway's) instead of starting one; it is left running on dispose. */
  readonly server?: NatsServer;
}

/**
 * Starts nats-server, bus and gateway; `env` overrides gateway settings.
 * Both the API and the ops port are free ports on loopback.
 */
export async function startTestGateway(env: Readonly<Record<string, string>> = {}, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const jetstream = options.jetstream ?? true;
  const server = options.server ?? (await startNatsServer({ jetstream }));
  const metrics = createMetrics('gateway');
  const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'gateway-test'), { metrics: metrics.bus });
  if (jetstream) await ensureTopology(bus, { ...options.topology, replicas: 1 });
  const config = gatewayConfigFromEnv({
    NATS_URL: server.url,
    RELAY_SOURCES_FILE: DEV_SOURCES_FILE,
    RELAY_HTTP_PORT: '0',
    RELAY_OPS_PORT: '0',
    RELAY_PUBLISH_TIMEOUT_MS: '500',
    RELAY_PUBLISH_ATTEMPTS: '1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const gateway = await startGateway({ config, bus, logger: createLogger('gateway', config.logLevel), metrics });
  return {
    server,
    bus,
    gateway,
    reportCount: async () => (await streamState(bus, StreamName.Reports))?.messages ?? 0,
    storedReport: async (seq) => {
      const m = await getStoredMessage(bus, StreamName.Reports, seq);
      if (!m) throw new Error(`no message ${seq} in REPORTS`);
      return { subject: m.subject, headers: m.headers, report: decodeMessage(RelayType.Report, m.data) };
    },
    http: async (method, path, { key, type, body, headers }) => {
      const res = await gateway.http.inject({ method, url: path, headers: { authorization: `Bearer ${key}`, 'content-type': type, ...headers }, payload: body });
      return { status: res.statusCode, json: res.json<Record<string, unknown>>() };
    },
    nats: async ({ key, type, body, headers }) => {
      const reply = await request(bus, subjects.intakeSubmit(), new TextEncoder().encode(body), {
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': type, ...headers },
        timeoutMs: 5_000,
      });
      return { status: Number(reply.headers[Header.Status]), json: JSON.parse(new TextDecoder().decode(reply.data)) as Record<string, unknown> };
    },
    dispose: async () => {
      await gateway.stop().catch(() => undefined);
      await bus.close().catch(() => undefined);
      if (options.server === undefined) await server.dispose();
    },
  };
}
