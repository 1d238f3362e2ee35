import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, busConfigFromEnv, connectBus, consumerLag, ensureTopology, publishMessage, readStream, streamState } from '@relay/bus';
import { createCdnCatalogue, createZoneResolver, type GeoLookup, openGeo } from '@relay/geo';
import { createMetrics, type Metrics } from '@relay/observability';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import {
  decodeMessage,
  deriveId,
  exampleMessage,
  Header,
  type HostingObservation,
  HostingStatus,
  RecheckReason,
  RelayType,
  type Report,
  ResolutionErrorCode,
  StreamName,
  subjectFilters,
  subjects,
} from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Durable, type RunningLocator, runLocator } from './index.js';

const ZONE = {
  records: {
    'images.example.nl': { a: ['185.107.56.1'] },
    'files.example.de': { cname: 'node7.hetzner.example' },
    'node7.hetzner.example': { a: ['5.9.0.1'] },
    'media.example.fr': { aaaa: ['2001:41d0::1'] },
    'gone.example.com': { error: 'NXDOMAIN' },
  },
};

let server: NatsServer;
let bus: Bus;
let metrics: Metrics;
let locator: RunningLocator;
let dir: string;
let geo: GeoLookup;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-locator-'));
  await writeFile(join(dir, 'zone.json'), JSON.stringify(ZONE));
  server = await startNatsServer();
  metrics = createMetrics('locator-test');
  bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url }, 'locator-test'), { metrics: metrics.bus });
  await ensureTopology(bus, { replicas: 1 });
  geo = await openGeo();
  locator = await runLocator({
    bus,
    locateDeps: { resolver: createZoneResolver({ path: join(dir, 'zone.json') }), geo, cdn: createCdnCatalogue(), clock: () => new Date() },
  });
});
afterAll(async () => {
  await locator?.stop();
  await bus?.close();
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

interface Seen {
  readonly subject: string;
  readonly msgId: string;
  readonly origin: string;
  readonly observation: HostingObservation;
}

async function hosting(filter = subjectFilters.hosting()): Promise<Seen[]> {
  const out: Seen[] = [];
  for await (const m of readStream(bus, { stream: StreamName.Hosting, filterSubject: filter })) {
    out.push({
      subject: m.subject,
      msgId: m.headers[Header.MsgId] ?? '',
      origin: m.headers[Header.Origin] ?? '',
      observation: decodeMessage(RelayType.HostingObservation, m.data),
    });
  }
  return out;
}

async function hostingDuplicates(): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('relay_published_total')?.get();
  return (metric?.values ?? []).filter((v) => v.labels['root'] === 'relay.hosting' && v.labels['outcome'] === 'duplicate').reduce((n, v) => n + v.value, 0);
}

async function handledReports(): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('relay_handled_total')?.get();
  return (metric?.values ?? []).filter((v) => v.labels['consumer'] === `REPORTS/${Durable.Reports}` && v.labels['outcome'] === 'ack').reduce((n, v) => n + v.value, 0);
}

function report(sourceReportId: string, urls: string[]): Report {
  return { ...exampleMessage(RelayType.Report), id: deriveId('rpt', 'ncmec', sourceReportId), sourceReportId, urls };
}

describe('the locator on a real nats-server', () => {
  it('turns a report with three URLs in three countries into three observations on the three country subjects', async () => {
    const r = report('pipeline-1', ['http://images.example.nl/a.jpg', 'https://files.example.de/b', 'http://media.example.fr/c?x=1', 'HTTP://IMAGES.example.nl/a.jpg#again']);
    const stored = await publishMessage(bus, subjects.report('ncmec'), RelayType.Report, r, { msgId: 'ncmec:pipeline-1', origin: 'ncmec' });

    const seen = await waitFor(async () => {
      const all = (await hosting()).filter((s) => s.observation.cause?.cause?.$case === 'report' && s.observation.cause.cause.value.reportId === r.id);
      return all.length >= 3 ? all : undefined;
    }, { what: 'three observations' });
    expect(seen.map((s) => s.subject).sort()).toEqual(['relay.hosting.DE', 'relay.hosting.FR', 'relay.hosting.NL']);
    const nl = seen.find((s) => s.subject === 'relay.hosting.NL');
    expect(nl?.observation).toMatchObject({ normalizedUrl: 'http://images.example.nl/a.jpg', country: 'NL', asn: 43350, status: HostingStatus.HOSTING_STATUS_LOCATED });
    expect(nl?.observation.id).toBe(deriveId('obs', 'http://images.example.nl/a.jpg', r.id));
    expect(nl?.msgId).toBe(`locator:${nl?.observation.id}`);
    expect(nl?.origin).toBe('ncmec');
    const cause = nl?.observation.cause?.cause;
    // The hashes stay on the report: the observation refers to it by stream sequence (decision 0094).
    expect(r.hashes.length).toBeGreaterThan(0);
    expect(cause?.$case === 'report' ? cause.value : undefined).toMatchObject({
      source: 'ncmec',
      sourceReportId: 'pipeline-1',
      hashes: [],
      hashCount: r.hashes.length,
      reportSeq: BigInt(stored.seq),
    });
    expect(seen.find((s) => s.subject === 'relay.hosting.DE')?.observation.cnameChain).toEqual(['node7.hetzner.example']);
  });

  it('publishes nothing new when the report is redelivered or replayed', async () => {
    const before = (await streamState(bus, StreamName.Hosting))?.messages ?? 0;
    const handled = await handledReports();
    const duplicates = await hostingDuplicates();
    const r = report('pipeline-1', ['http://images.example.nl/a.jpg', 'https://files.example.de/b', 'http://media.example.fr/c?x=1']);
    // A resend within the duplicate window is dropped by REPORTS itself...
    const resent = await publishMessage(bus, subjects.report('ncmec'), RelayType.Report, r, { msgId: 'ncmec:pipeline-1', origin: 'ncmec' });
    expect(resent.duplicate).toBe(true);
    // ...a replay (stored again under a new msgId) reaches the locator, whose observations HOSTING drops.
    const replayed = await publishMessage(bus, subjects.report('ncmec'), RelayType.Report, r, { msgId: 'replay:pipeline-1', origin: 'ncmec' });
    expect(replayed.duplicate).toBe(false);
    await waitFor(async () => (await handledReports()) === handled + 1, { what: 'the replayed report to be handled' });
    expect((await consumerLag(bus, StreamName.Reports, Durable.Reports))?.pending).toBe(0);
    expect((await streamState(bus, StreamName.Hosting))?.messages).toBe(before);
    // The locator did publish all three again, and HOSTING recognised every one.
    expect(await hostingDuplicates()).toBe(duplicates + 3);
  });

  it('answers a recheck with an observation caused by it', async () => {
    const recheck = { ...exampleMessage(RelayType.RecheckRequest), id: 'rck_pipeline', caseId: 'case_pipeline', url: 'https://files.example.de/b', reason: RecheckReason.RECHECK_REASON_MOVED_STATUS };
    await publishMessage(bus, subjects.recheck('NL'), RelayType.RecheckRequest, recheck, { msgId: 'dispatcher:rck_pipeline', origin: 'dispatcher' });
    const seen = await waitFor(async () => (await hosting('relay.hosting.DE')).find((s) => s.observation.cause?.cause?.$case === 'recheck'), { what: 'the recheck observation' });
    expect(seen.observation.id).toBe(deriveId('obs', 'https://files.example.de/b', 'rck_pipeline'));
    expect(seen.observation.cause?.cause).toEqual({ $case: 'recheck', value: { recheckId: 'rck_pipeline', caseId: 'case_pipeline', reason: RecheckReason.RECHECK_REASON_MOVED_STATUS } });
    expect(seen.origin).toBe('dispatcher');
  });

  it('publishes an UNRESOLVED observation on relay.hosting.XX for a name that does not exist, and nothing to the DLQ', async () => {
    const r = report('pipeline-nx', ['http://gone.example.com/x', 'ftp://not-a-web-url.example/']);
    await publishMessage(bus, subjects.report('ncmec'), RelayType.Report, r, { msgId: 'ncmec:pipeline-nx', origin: 'ncmec' });
    const seen = await waitFor(async () => {
      const xx = (await hosting('relay.hosting.XX')).filter((s) => s.observation.cause?.cause?.$case === 'report' && s.observation.cause.cause.value.reportId === r.id);
      return xx.length === 2 ? xx : undefined;
    }, { what: 'two unresolved observations' });
    const codes = seen.map((s) => s.observation.error?.code).sort();
    expect(codes).toEqual([ResolutionErrorCode.RESOLUTION_ERROR_CODE_NXDOMAIN, ResolutionErrorCode.RESOLUTION_ERROR_CODE_INVALID_URL].sort());
    expect(seen.every((s) => s.observation.status === HostingStatus.HOSTING_STATUS_UNRESOLVED)).toBe(true);
    expect((await streamState(bus, StreamName.Dlq))?.messages ?? 0).toBe(0);
  });
});
