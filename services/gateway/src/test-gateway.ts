import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, getStoredMessage, streamState, type TopologyOptions } from '@relay/bus';
import { createLogger, createMetrics } from '@relay/observability';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { decodeMessage, type Report, RelayType, StreamName } from '@relay/wire';
import { gatewayConfigFromEnv } from './config.js';
import { digestReportId } from './dropped.js';
import { type Gateway, startGateway } from './gateway.js';
import { readXml } from './xml.js';

/**
 * Test support: a real nats-server (testkit), a bus with the topology
 * ensured, and a gateway on a free port using the dev sources file. For this
 * package's tests only.
 */

/** The demo API keys of `deploy/dev/sources.json` (listed in the README). */
export const DEMO_KEYS = {
  ncmec: 'demo-ncmec-46736cfad86967225733f35e5d789c18',
  eokm: 'demo-eokm-237e4e35b7044668047a8c1f097f320e',
  iwf: 'demo-iwf-8b68404bc446f9ca31e62088e913f663',
} as const;

/** Path of the dev sources file. */
export const DEV_SOURCES_FILE = fileURLToPath(new URL('../../../deploy/dev/sources.json', import.meta.url));

/** Reads a file of `services/gateway/test-fixtures`. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../test-fixtures/${name}`, import.meta.url), 'utf8');
}

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
  dispose(): Promise<void>;
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
    dispose: async () => {
      await gateway.stop().catch(() => undefined);
      await bus.close().catch(() => undefined);
      if (options.server === undefined) await server.dispose();
    },
  };
}
