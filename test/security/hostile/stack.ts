// The relay as production runs it, for attacking it: a real nats-server with
// the generated nkey accounts, topology and tenant consumers made by the admin
// identity, and the three services running as their own generated users with
// signing and verification on. A test connects as any generated user (a
// hostile tenant uses the raw NATS client: `probeAs`) and compares the broker's
// state before and after an attack (`snapshot`, read as break-glass).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, nkeyAuthenticator, PermissionViolationError } from '@nats-io/transport-node';
import type { Bus } from '@relay/bus';
import { type HotlineClient, hotlineClient } from '@relay/client';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { makeTestAccounts, provisionAsAdmin, serviceAccountEnv, type TestAccounts } from '../../e2e/harness/accounts.js';
import { type CliRun, relayAs } from '../../e2e/harness/cli.js';
import { writeZone } from '../../e2e/harness/intake.js';
import { type Pipeline, type ServiceName, startPipeline } from '../../e2e/harness/pipeline.js';

/** A raw NATS connection as one generated user, recording every permissions violation the server reports. */
export interface Probe {
  readonly nc: NatsConnection;
  readonly violations: PermissionViolationError[];
  /** Resolves once the server has refused a publish (or subscription) to `subject`. */
  denied(operation: 'publish' | 'subscription', subject: string): Promise<void>;
}

/** What a stream looks like from outside: its settings and how far it got. */
export interface StreamState {
  readonly messages: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly config: Readonly<Record<string, unknown>>;
  /** Durable consumers by name: their settings and progress. */
  readonly consumers: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Every stream (KV buckets included, as `KV_<bucket>`) by name. */
export type BrokerState = Readonly<Record<string, StreamState>>;

/**
 * What an attack must leave as it was: every stream's contents (count and
 * sequences) and settings, and every durable consumer's settings; progress of
 * consumers is left out (the services keep reading). `omit` names streams that
 * legitimately move (e.g. the rate counts every submission advances).
 */
export function unchangedView(state: BrokerState, omit: readonly string[] = []): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(state)
      .filter(([name]) => !omit.includes(name))
      .map(([name, s]) => [
        name,
        { messages: s.messages, firstSeq: s.firstSeq, lastSeq: s.lastSeq, config: s.config, consumers: Object.fromEntries(Object.entries(s.consumers).map(([c, v]) => [c, v['config']])) },
      ]),
  );
}

/** A running hostile-tenant stack. */
export interface HostileStack {
  readonly url: string;
  readonly accounts: TestAccounts;
  readonly pipeline: Pipeline;
  /** The gateway's HTTP API, `http://127.0.0.1:<port>`. */
  readonly gatewayUrl: string;
  /** A libs/bus connection as a generated user (closed by `stop`). */
  busAs(name: string): Promise<Bus>;
  /** A raw connection as a generated user (closed by `stop`). */
  probeAs(name: string): Promise<Probe>;
  /** A hotline's `@relay/client` as its generated user, verifying with the pinned directory key. */
  hotline(id: string, country: string): Promise<HotlineClient>;
  /** `relay <args>` as a generated user (`operator-alice`), with the pinned directory key. */
  relayAs(user: string, ...args: string[]): Promise<CliRun>;
  /** The broker's state, read as break-glass. */
  snapshot(): Promise<BrokerState>;
  /** `view` of the broker's state once it has not changed for half a second (the pipeline finished its work). */
  settled(view?: (state: BrokerState) => Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Every permissions violation the server logged so far (see testkit `NatsServer.violations`). */
  violations(): readonly string[];
  stop(): Promise<void>;
}

/** Options of {@link startHostileStack}. */
export interface HostileStackOptions {
  /** DNS zone of the locator: host -> IPv4 addresses. */
  readonly zone?: Readonly<Record<string, readonly string[]>>;
  /** More settings per service. */
  readonly serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

/** Starts nats-server with the generated accounts, provisions it as admin, and runs the services as their users. */
export async function startHostileStack(options: HostileStackOptions = {}): Promise<HostileStack> {
  const accounts = await makeTestAccounts();
  const server: NatsServer = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
  const dir = await mkdtemp(join(tmpdir(), 'relay-hostile-'));
  const closers: (() => Promise<void>)[] = [];
  let pipeline: Pipeline | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(closers.splice(0).map((c) => c().catch(() => undefined)));
    await pipeline?.stop();
    await server.dispose();
    await accounts.dispose();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await provisionAsAdmin(accounts, server.url);
    const zone = Object.fromEntries(Object.entries(options.zone ?? { 'images.example.nl': ['185.107.56.1'] }).map(([h, a]) => [h, { a: [...a] }]));
    await writeZone(join(dir, 'zone.json'), zone);
    const env = serviceAccountEnv(accounts, server.url);
    pipeline = await startPipeline({
      natsUrl: server.url,
      zoneFile: join(dir, 'zone.json'),
      recheckInterval: '1h',
      serviceEnv: {
        gateway: { ...env.gateway, ...options.serviceEnv?.gateway },
        locator: { ...env.locator, ...options.serviceEnv?.locator },
        dispatcher: { ...env.dispatcher, ...options.serviceEnv?.dispatcher },
      },
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const running = pipeline;

  const probeAs = async (name: string): Promise<Probe> => {
    const u = accounts.user(name);
    const nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(u.seed)), inboxPrefix: u.inboxPrefix });
    closers.push(() => nc.close());
    const violations: PermissionViolationError[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error' && s.error instanceof PermissionViolationError) violations.push(s.error);
    })();
    return {
      nc,
      violations,
      denied: async (operation, subject) => {
        await waitFor(() => violations.some((v) => v.operation === operation && v.subject === subject), { what: `the server to refuse ${name} ${operation} ${subject}` });
      },
    };
  };

  const snapshot = async (): Promise<BrokerState> => {
    const { nc } = await probeAs('break-glass');
    const jsm = await jetstreamManager(nc);
    const state: Record<string, StreamState> = {};
    for await (const si of jsm.streams.list()) {
      const consumers: Record<string, Record<string, unknown>> = {};
      for await (const ci of jsm.consumers.list(si.config.name)) {
        if (!ci.config.durable_name) continue;
        consumers[ci.name] = { config: ci.config, delivered: ci.delivered.stream_seq, ackFloor: ci.ack_floor.stream_seq };
      }
      state[si.config.name] = {
        messages: si.state.messages,
        firstSeq: si.state.first_seq,
        lastSeq: si.state.last_seq,
        config: { ...si.config },
        consumers,
      };
    }
    await nc.close();
    return state;
  };

  return {
    url: server.url,
    accounts,
    pipeline: running,
    gatewayUrl: running.gatewayUrl(),
    busAs: async (name) => {
      const bus = await accounts.busAs(name, server.url);
      closers.push(() => bus.close());
      return bus;
    },
    probeAs,
    hotline: async (id, country) => {
      const bus = await accounts.busAs(`hotline-${id}`, server.url);
      closers.push(() => bus.close());
      return hotlineClient(bus, { hotline: id, country, provenance: { directoryKey: accounts.directoryKey.publicKey } });
    },
    relayAs: (user, ...args) => relayAs(accounts, server.url, user, args, { RELAY_DIRECTORY_KEY: accounts.directoryKey.publicKey }),
    snapshot,
    settled: async (view = unchangedView) => {
      let last = JSON.stringify(view(await snapshot()));
      return waitFor(
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 500));
          const now = JSON.stringify(view(await snapshot()));
          const same = now === last;
          last = now;
          return same ? (JSON.parse(now) as Record<string, unknown>) : undefined;
        },
        { what: 'the broker to settle', timeoutMs: 20_000 },
      );
    },
    violations: () => server.violations(),
    stop,
  };
}
