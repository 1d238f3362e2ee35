import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, publishMessage, readStream, signerFromSeed } from '@relay/bus';
import { type Directory, directoryVerifier, parseDirectory, ServiceSigner } from '@relay/directory';
import { createCdnCatalogue, createZoneResolver, openGeo } from '@relay/geo';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { errorFromHeader, exampleMessage, Header, RelayType, StreamName, subjects } from '@relay/wire';
import { readFileSync } from 'node:fs';
import { DEV_DIRECTORY_FILE } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLocator, runLocator } from './index.js';

const GATEWAY_SEED = new TextDecoder().decode(createUser().getSeed());
const DEV_DIRECTORY = JSON.parse(readFileSync(DEV_DIRECTORY_FILE, 'utf8')) as object;
const directory: Directory = parseDirectory({ ...DEV_DIRECTORY, signers: { gateway: [signerFromSeed(GATEWAY_SEED).publicKey] } });

let server: NatsServer;
let plain: Bus;
let gateway: Bus;
let locator: RunningLocator;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-locator-prov-'));
  await writeFile(join(dir, 'zone.json'), JSON.stringify({ records: { 'images.example.nl': { a: ['185.107.56.1'] } } }));
  await writeFile(join(dir, 'gateway.nk'), GATEWAY_SEED);
  server = await startNatsServer();
  plain = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'plain'));
  gateway = await connectBus(busConfigFromEnv({ NATS_URL: server.url, RELAY_SIGNING_KEY_FILE: join(dir, 'gateway.nk') }, 'gateway'));
  await ensureTopology(plain, { replicas: 1 });
  locator = await runLocator({
    bus: plain,
    locateDeps: { resolver: createZoneResolver({ path: join(dir, 'zone.json') }), geo: await openGeo(), cdn: createCdnCatalogue(), clock: () => new Date() },
    verify: {
      reports: directoryVerifier(() => directory, () => ServiceSigner.Gateway),
      rechecks: directoryVerifier(() => directory, () => ServiceSigner.Dispatcher),
    },
  });
});
afterAll(async () => {
  await locator?.stop();
  await Promise.all([plain?.close(), gateway?.close()]);
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('the locator with signers in the directory', () => {
  it('locates a report the gateway signed and dead-letters one that anyone else published', async () => {
    const report = (id: string) => ({ ...exampleMessage(RelayType.Report), id, sourceReportId: id, urls: ['http://images.example.nl/gallery/1'] });
    await publishMessage(gateway, subjects.report('ncmec'), RelayType.Report, report('signed'), { msgId: 'ncmec:signed', origin: 'ncmec' });
    await publishMessage(plain, subjects.report('ncmec'), RelayType.Report, report('smuggled'), { msgId: 'ncmec:smuggled', origin: 'ncmec' });

    const refused = await waitFor(async () => {
      for await (const m of readStream(plain, { stream: StreamName.Dlq })) {
        if (m.headers[Header.DlqMsgId] === 'ncmec:smuggled') return errorFromHeader(m.headers[Header.Error] ?? '').code;
      }
      return undefined;
    });
    expect(refused).toBe('unsigned');
    const observed: string[] = [];
    await waitFor(async () => {
      observed.length = 0;
      for await (const m of readStream(plain, { stream: StreamName.Hosting })) observed.push(m.headers[Header.Origin] ?? '');
      return observed.length >= 1;
    });
    expect(observed).toEqual(['ncmec']);
  });
});
