import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, busConfigFromEnv, connectBus } from '@relay/bus';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { makeTestAccounts, serviceSigningEnv, type TestAccounts } from './accounts.js';
import { writeZone, type ZoneRecord } from './intake.js';
import { type Pipeline, startPipeline } from './pipeline.js';

/** A nats-server of its own, the pipeline on it with every service signing and verifying, and a bus that reads it. */
export interface SignedPipeline {
  readonly server: NatsServer;
  readonly pipeline: Pipeline;
  readonly accounts: TestAccounts;
  readonly bus: Bus;
  /** The locator's zone file: rewrite it with `writeZone` to move a host. */
  readonly zoneFile: string;
  dispose(): Promise<void>;
}

/**
 * Starts a nats-server, writes `zone` to a temp dir, makes test accounts (the services pin the
 * directory key, decision 0111) and runs the pipeline with `recheckInterval` (default 1h: no
 * rechecks during a test). `name` names the temp dir and the bus's connection.
 */
export async function startSignedPipeline(name: string, zone: Readonly<Record<string, ZoneRecord>>, options: { recheckInterval?: string } = {}): Promise<SignedPipeline> {
  const server = await startNatsServer({}, { ...process.env, NATS_URL: '' });
  const dir = await mkdtemp(join(tmpdir(), `relay-${name}-`));
  const zoneFile = join(dir, 'zone.json');
  await writeZone(zoneFile, zone);
  const accounts = await makeTestAccounts();
  const pipeline = await startPipeline({ natsUrl: server.url, zoneFile, serviceEnv: serviceSigningEnv(accounts), ...(options.recheckInterval === undefined ? {} : { recheckInterval: options.recheckInterval }) });
  const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, `${name}-test`));
  return {
    server,
    pipeline,
    accounts,
    bus,
    zoneFile,
    dispose: async () => {
      await bus.close();
      await pipeline.stop();
      await server.dispose();
      await accounts.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
