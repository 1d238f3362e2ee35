import { type Bus, busConfigFromEnv, connectBus, ensureTopology, type TopologyOptions } from '@relay/bus';
import { type Directory, seedDirectory } from '@relay/directory';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { devDirectory } from './dev-data.js';

/** A nats-server with the relay topology and a directory stored, and the buses connected to it. */
export interface TestRelay {
  readonly server: NatsServer;
  /** Connected as `test`. */
  readonly bus: Bus;
  /** Another connection to the same server, closed on dispose. */
  connect(name: string): Promise<Bus>;
  /** Closes every bus, then stops the server (unless it was given in {@link TestRelayOptions.server}). */
  dispose(): Promise<void>;
}

/** Options of {@link startRelay}; the defaults give a single server with the full topology and the dev directory. */
export interface TestRelayOptions {
  /** Topology overrides, e.g. a short duplicate window or max age of one stream. */
  readonly topology?: Omit<TopologyOptions, 'replicas'>;
  /** The directory to store: the dev directory by default (unsigned), a signed one for services that pin a key, or `false` for none. */
  readonly directory?: Directory | false;
  /** False: a server without JetStream, so no topology and no directory. */
  readonly jetstream?: boolean;
  /** Join this server instead of starting one; it is left running on dispose. */
  readonly server?: NatsServer;
}

/**
 * Starts a nats-server on free loopback ports, connects a bus, ensures the
 * relay topology and stores the directory: the setup most relay tests share.
 */
export async function startRelay(options: TestRelayOptions = {}): Promise<TestRelay> {
  const jetstream = options.jetstream ?? true;
  const server = options.server ?? (await startNatsServer({ jetstream }));
  const buses: Bus[] = [];
  const connect = async (name: string): Promise<Bus> => {
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, name));
    buses.push(bus);
    return bus;
  };
  const dispose = async (): Promise<void> => {
    await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
    if (options.server === undefined) await server.dispose();
  };
  try {
    const bus = await connect('test');
    if (jetstream) {
      await ensureTopology(bus, { ...options.topology, replicas: 1 });
      const directory = options.directory ?? devDirectory();
      if (directory !== false) await seedDirectory(bus, directory);
    }
    return { server, bus, connect, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
