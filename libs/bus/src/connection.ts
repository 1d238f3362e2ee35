import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator, type NatsConnection, nkeyAuthenticator } from '@nats-io/transport-node';
import type { BusConfig } from './config.js';
import { type BusMetrics, noMetrics } from './metrics.js';
import { type Signer, signerFromSeed } from './provenance.js';
import { cheapRequestCancel } from './request-cancel.js';
import { coalesceWrites } from './write-coalescing.js';

/**
 * A connection to NATS with JetStream: the one handle services pass around.
 * Everything that talks to NATS goes through libs/bus functions taking a Bus.
 */
export interface Bus {
  /** The server's version, e.g. `2.9.10`. */
  readonly serverVersion: string;
  /** True while connected (false during a reconnect). */
  isConnected(): boolean;
  /** Resolves when the connection is closed for good, with the error if any. */
  closed(): Promise<void | Error>;
  /** Drains subscriptions, flushes and closes. */
  close(): Promise<void>;
}

interface BusInternals {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly config: BusConfig;
  readonly metrics: BusMetrics;
  readonly signer: Signer | undefined;
}

const internalsOf = new WeakMap<Bus, BusInternals>();

/** The NATS client objects behind a Bus; for libs/bus modules only (not exported). */
export function internals(bus: Bus): BusInternals {
  const i = internalsOf.get(bus);
  if (!i) throw new TypeError('not a Bus made by connectBus');
  return i;
}

/**
 * Connects to NATS as configured, with reconnects forever, async stack
 * traces off (they cost ~38% of publisher CPU, docs/nats-notes.md §3.1), one socket write per
 * turn and no Error built per successful request (decision 0080).
 */
export async function connectBus(config: BusConfig, options: { metrics?: BusMetrics } = {}): Promise<Bus> {
  const authenticator = config.creds
    ? credsAuthenticator(config.creds)
    : config.nkeySeed
      ? nkeyAuthenticator(new TextEncoder().encode(new TextDecoder().decode(config.nkeySeed).trim()))
      : undefined;
  const nc = await connect({
    servers: [...config.servers],
    name: config.name,
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    ...(authenticator ? { authenticator } : {}),
    ...(config.tls ? { tls: { ...config.tls } } : {}),
    ...(config.inboxPrefix === undefined ? {} : { inboxPrefix: config.inboxPrefix }),
  });
  // nats.js per-request and per-write overheads (decision 0080).
  cheapRequestCancel();
  coalesceWrites(nc);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  // The client has no "connected now" flag: follow its status events.
  let up = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') up = false;
      if (status.type === 'reconnect') up = true;
    }
  })();
  const bus: Bus = {
    serverVersion: nc.info?.version ?? 'unknown',
    isConnected: () => up && !nc.isClosed() && !nc.isDraining(),
    closed: () => nc.closed(),
    close: async () => {
      if (!nc.isClosed()) await nc.drain();
    },
  };
  internalsOf.set(bus, {
    nc,
    js,
    jsm,
    config,
    metrics: options.metrics ?? noMetrics,
    signer: config.signingSeed ? signerFromSeed(config.signingSeed) : undefined,
  });
  return bus;
}
