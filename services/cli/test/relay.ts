// Test support (not part of the front door): a real nats-server with the relay
// topology and the dev directory, and `relay` run in process against it.
import { fileURLToPath } from 'node:url';
import { type Bus, busConfigFromEnv, connectBus, consumerLag, ensureTopology, readStream, type TopologyOptions } from '@relay/bus';
import { loadDirectoryFile, seedDirectory } from '@relay/directory';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { decodeMessage, Header, type RelayMessageMap, type RelayTypeName, StreamName } from '@relay/wire';
import { runCli } from '../run.js';

/** The dev directory file. */
export const DIRECTORY_FILE = fileURLToPath(new URL('../../../../deploy/dev/directory.json', import.meta.url));

/** A nats-server with the relay topology and the dev directory stored. */
export interface TestRelay {
  readonly server: NatsServer;
  readonly bus: Bus;
  connect(name: string): Promise<Bus>;
  /** Runs `relay <args>` in this process with `NATS_URL` set; extra env merged in. */
  relay(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<CliRun>;
  dispose(): Promise<void>;
}

/** What one `relay` run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Starts a nats-server, ensures the topology (with `topology` overrides) and seeds the dev directory. */
export async function startTestRelay(topology: Partial<TopologyOptions> = {}): Promise<TestRelay> {
  const server = await startNatsServer();
  const buses: Bus[] = [];
  const connect = async (name: string): Promise<Bus> => {
    const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, name));
    buses.push(bus);
    return bus;
  };
  const bus = await connect('test');
  await ensureTopology(bus, { replicas: 1, ...topology });
  await seedDirectory(bus, loadDirectoryFile(DIRECTORY_FILE));
  return {
    server,
    bus,
    connect,
    relay: async (args, env = {}) => {
      let out = '';
      let err = '';
      const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t), env: { NATS_URL: server.url, NATS_CLIENT_NAME: 'operator-test', ...env } });
      return { code, out, err };
    },
    dispose: async () => {
      await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
      await server.dispose();
    },
  };
}

/** Every message of a stream (optionally matching a filter) of one type, decoded, with subject and headers. */
export async function readAll<K extends RelayTypeName>(
  bus: Bus,
  stream: StreamName,
  type: K,
  filterSubject?: string,
): Promise<{ seq: number; subject: string; message: RelayMessageMap[K]; headers: Readonly<Record<string, string>> }[]> {
  const out: { seq: number; subject: string; message: RelayMessageMap[K]; headers: Readonly<Record<string, string>> }[] = [];
  for await (const m of readStream(bus, { stream, ...(filterSubject === undefined ? {} : { filterSubject }) })) {
    if (m.headers[Header.Type] === type) out.push({ seq: m.seq, subject: m.subject, message: decodeMessage(type, m.data), headers: m.headers });
  }
  return out;
}

/** Waits until a durable consumer has nothing pending or unacknowledged. */
export async function drainedConsumer(bus: Bus, stream: StreamName, durable: string): Promise<void> {
  await waitFor(
    async () => {
      const lag = await consumerLag(bus, stream, durable);
      return lag !== undefined && lag.pending === 0 && lag.ackPending === 0;
    },
    { timeoutMs: 30_000, what: `${stream}/${durable} to drain` },
  );
}

/** The audit records written so far, decoded. */
export async function auditRecords(bus: Bus): Promise<RelayMessageMap['relay.v1.AuditRecord'][]> {
  return (await readAll(bus, StreamName.Audit, 'relay.v1.AuditRecord')).map((m) => m.message);
}
