import { fileURLToPath } from 'node:url';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, openJsonBucket } from '@relay/bus';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { KvBucket } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIRECTORY_KEY,
  type DirectoryFile,
  loadDirectoryFile,
  parseDirectory,
  publishDirectory,
  readDirectory,
  seedDirectory,
  watchDirectory,
} from './index.js';

let server: NatsServer;
let bus: Bus;
const seed = loadDirectoryFile(fileURLToPath(new URL('../../../deploy/dev/directory.json', import.meta.url)));

beforeAll(async () => {
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'directory-test'));
  await ensureTopology(bus, { replicas: 1 });
});
afterAll(async () => {
  await bus?.close();
  await server?.dispose();
});

describe('the directory in KV', () => {
  it('seeds an empty bucket once, never over an operator’s directory, and applies changes to watchers without a restart', async () => {
    const first = await seedDirectory(bus, seed);
    expect(first.seeded).toBe(true);
    const again = await seedDirectory(bus, seed);
    expect(again).toEqual({ revision: first.revision, seeded: false });

    const changes: number[] = [];
    const invalid: number[] = [];
    const watch = await watchDirectory(bus, { onChange: (s) => changes.push(s.revision), onInvalid: (_e, rev) => invalid.push(rev) });
    expect(watch.current()?.revision).toBe(first.revision);
    expect(watch.current()?.directory.routingHotline('DE')?.id).toBe('eco');

    const edited: DirectoryFile = structuredClone(seed.file);
    edited.routing = { ...edited.routing, DE: { hotline: 'fsm', note: 'operator switched' } };
    const revision = await publishDirectory(bus, parseDirectory(edited));
    await waitFor(() => watch.current()?.revision === revision, { what: 'the watcher to see the new directory' });
    expect(watch.current()?.directory.routingHotline('DE')?.id).toBe('fsm');
    expect((await readDirectory(bus))?.revision).toBe(revision);

    // A value written around validation is ignored; the last valid one stays in force.
    const raw = await openJsonBucket<unknown>(bus, KvBucket.Directory);
    const bad = await raw.put(DIRECTORY_KEY, { version: 1, hotlines: 'none' });
    await waitFor(() => invalid.includes(bad), { what: 'the invalid value to be reported' });
    expect(watch.current()?.revision).toBe(revision);
    watch.stop();
    expect(changes).toEqual([first.revision, revision]);
  });
});
