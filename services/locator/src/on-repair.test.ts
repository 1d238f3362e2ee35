// A repair request (decision 0154) on a real nats-server. No consumer of the
// locator runs here: a report stored in REPORTS stays unobserved, as when
// HOSTING lost its observation after acknowledging it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { type Bus, busConfigFromEnv, connectBus, ensureTopology, isPoisonMessageError, isProvenanceError, publishMessage, readStream, signerFromSeed } from '@relay/bus';
import { directoryVerifier, parseDirectory, ServiceSigner } from '@relay/directory';
import { createCdnCatalogue, createZoneResolver, locate, openGeo } from '@relay/geo';
import { type NatsServer, startNatsServer } from '@relay/testkit';
import { DEV_DIRECTORY_FILE } from '@relay/testing';
import { decodeMessage, deriveId, exampleMessage, Header, type HostingObservation, type RecheckRequest, RecheckReason, RelayType, type Report, StreamName, subjects } from '@relay/wire';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RepairDeps, repairObservation } from './on-repair.js';

const NL_URL = 'http://images.example.nl/a/1';
const DE_URL = 'http://files.example.de/b';
const GATEWAY_SEED = new TextDecoder().decode(createUser().getSeed());

let server: NatsServer;
let bus: Bus;
let gateway: Bus;
let dir: string;
let deps: RepairDeps;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-locator-repair-'));
  await writeFile(join(dir, 'zone.json'), JSON.stringify({ records: { 'images.example.nl': { a: ['185.107.56.1'] }, 'files.example.de': { a: ['5.9.0.1'] } } }));
  await writeFile(join(dir, 'gateway.nk'), GATEWAY_SEED);
  server = await startNatsServer();
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'repair-test'));
  gateway = await connectBus(busConfigFromEnv({ NATS_URL: server.url, RELAY_SIGNING_KEY_FILE: join(dir, 'gateway.nk') }, 'gateway'));
  await ensureTopology(bus, { replicas: 1 });
  const locateDeps = { resolver: createZoneResolver({ path: join(dir, 'zone.json') }), geo: await openGeo(), cdn: createCdnCatalogue(), clock: () => new Date() };
  deps = { bus, locate: (url) => locate(url, locateDeps) };
});
afterAll(async () => {
  await Promise.all([bus?.close(), gateway?.close()]);
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

function report(sourceReportId: string, urls: string[]): Report {
  return { ...exampleMessage(RelayType.Report), id: deriveId('rpt', 'ncmec', sourceReportId), sourceReportId, urls };
}

async function store(r: Report, by = bus): Promise<number> {
  return (await publishMessage(by, subjects.report('ncmec'), RelayType.Report, r, { msgId: `ncmec:${r.sourceReportId}`, origin: 'ncmec' })).seq;
}

function repair(reportId: string, reportSeq: number, url: string): RecheckRequest {
  return { id: deriveId('rck', reportId, url, 'repair', 1), caseId: '', url, reason: RecheckReason.RECHECK_REASON_REPAIR, sequence: 0n, requestedAt: new Date(), reportId, reportSeq: BigInt(reportSeq) };
}

async function hosting(): Promise<{ msgId: string; origin: string; observation: HostingObservation }[]> {
  const out = [];
  for await (const m of readStream(bus, { stream: StreamName.Hosting })) {
    out.push({ msgId: m.headers[Header.MsgId] ?? '', origin: m.headers[Header.Origin] ?? '', observation: decodeMessage(RelayType.HostingObservation, m.data) });
  }
  return out;
}

/** The code of the error `fn` throws. */
async function refusal(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (isPoisonMessageError(err)) return err.code;
    if (isProvenanceError(err)) return `provenance:${err.code}`;
    throw err;
  }
  return 'accepted';
}

describe('a repair request for a report whose observation was lost', () => {
  it('observes only the URL asked for, with the report as cause, and stores a redelivered request once', async () => {
    const r = report('repair-1', [NL_URL, DE_URL]);
    const seq = await store(r);
    const asked = repair(r.id, seq, NL_URL);

    await repairObservation(deps, asked);
    await repairObservation(deps, asked);
    const seen = await hosting();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.origin).toBe('ncmec');
    // Its own id, derived from the request: HOSTING stores it even while it remembers the lost observation's id.
    expect(seen[0]?.observation).toMatchObject({ id: deriveId('obs', NL_URL, asked.id), normalizedUrl: NL_URL, country: 'NL' });
    expect(seen[0]?.msgId).toBe(`locator:${deriveId('obs', NL_URL, asked.id)}`);
    const cause = seen[0]?.observation.cause?.cause;
    expect(cause?.$case === 'report' ? cause.value : undefined).toMatchObject({ reportId: r.id, sourceReportId: 'repair-1', reportSeq: BigInt(seq), hashCount: r.hashes.length });
  });

  it('refuses a request whose report is not at the sequence named, or does not name the URL, and stores nothing', async () => {
    const r = report('repair-2', [NL_URL]);
    const seq = await store(r);
    const before = (await hosting()).length;

    expect(await refusal(() => repairObservation(deps, repair(r.id, 0, NL_URL)))).toBe('repair-invalid');
    expect(await refusal(() => repairObservation(deps, repair(r.id, seq + 100, NL_URL)))).toBe('repair-report-missing');
    expect(await refusal(() => repairObservation(deps, repair(deriveId('rpt', 'ncmec', 'another'), seq, NL_URL)))).toBe('repair-report-missing');
    expect(await refusal(() => repairObservation(deps, repair(r.id, seq, DE_URL)))).toBe('repair-url-not-in-report');
    expect((await hosting()).length).toBe(before);
  });

  it('reads the report under the check every report passes: one the gateway did not sign is refused', async () => {
    const directory = parseDirectory({ ...(JSON.parse(readFileSync(DEV_DIRECTORY_FILE, 'utf8')) as object), signers: { gateway: [signerFromSeed(GATEWAY_SEED).publicKey] } });
    const checked: RepairDeps = { ...deps, verifyReport: directoryVerifier(() => directory, () => ServiceSigner.Gateway) };
    const signed = report('repair-3', [NL_URL]);
    const smuggled = report('repair-4', [NL_URL]);
    const signedSeq = await store(signed, gateway);
    const smuggledSeq = await store(smuggled);
    const before = (await hosting()).length;

    expect(await refusal(() => repairObservation(checked, repair(smuggled.id, smuggledSeq, NL_URL)))).toBe('provenance:unsigned');
    expect((await hosting()).length).toBe(before);
    expect(await refusal(() => repairObservation(checked, repair(signed.id, signedSeq, NL_URL)))).toBe('accepted');
    expect((await hosting()).length).toBe(before + 1);
  });
});
