// The 3-node cluster both cluster files of the fault suite run on: streams R3
// (RELAY_REPLICAS=3), every route through a fault proxy of the testkit, the
// generated accounts provisioned by the admin identity, every service as its
// own user, the reconciliation reading as an operator. Streams are created
// once and never deleted and re-created under the same name: on 2.9.10 that
// loses acknowledged messages after a node restart (docs/nats-notes.md §3.6).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, KV_SPECS, STREAM_SPECS } from '@relay/bus';
import { type NatsCluster, startNatsCluster } from '@relay/testkit';
import { afterAll, beforeAll } from 'vitest';
import { makeTestAccounts, provisionAsAdmin, serviceAccountEnv, type TestAccounts } from '../e2e/harness/accounts.js';
import { devZone, writeZone } from '../e2e/harness/intake.js';
import { type Pipeline, startPipeline } from '../e2e/harness/pipeline.js';
import { allCurrent, fullyHealthy } from './cluster-state.js';
import { type Healer, healerSummary, startHealer } from './healer.js';
import type { Load } from './load.js';
import { type FaultRow, faultTable, runFault } from './verdict.js';

export const REPORTS_PER_FAULT = 1_500;
export const PER_SECOND = 100;
export const ALL_STREAMS = [...STREAM_SPECS.map((s) => s.name), ...KV_SPECS.map((k) => `KV_${k.bucket}`)];

/** The cluster, pipeline and operator connection of one test file, and its phases. */
export interface FaultCluster {
  readonly cluster: NatsCluster;
  /** `relay audit --repair --follow` beside the pipeline, as the operator `operator-alice`, when the file asked for it. */
  readonly healer: Healer | undefined;
  /** The rows recorded so far, in order. */
  readonly rows: readonly FaultRow[];
  /** A connection as `user` of the generated accounts (closed with the file). */
  busAs(user: string): Promise<Bus>;
  /** The NATS settings of `user` of the generated accounts, against the cluster. */
  envOf(user: string): Record<string, string>;
  /** Runs one fault under the steady load and records its row in the file's table. */
  phase(fault: string, inject: (load: Load) => Promise<void>): Promise<void>;
}

/** Starts the cluster and pipeline before the file's tests and stops them after, printing the table `title`. */
export function useFaultCluster(title: string, options: { readonly healer?: { readonly every: string } } = {}): FaultCluster {
  let cluster: NatsCluster | undefined;
  let accounts: TestAccounts | undefined;
  let dir: string | undefined;
  let pipeline: Pipeline | undefined;
  let bus: Bus | undefined;
  let healer: Healer | undefined;
  const rows: FaultRow[] = [];
  const extraBuses: Bus[] = [];
  beforeAll(async () => {
    // A restarted 2.9.10 node never reports idle R3 consumers (the tenants') current, so
    // readiness is "JetStream up", and catching up is checked on the relay's streams.
    accounts = await makeTestAccounts();
    cluster = await startNatsCluster({ readyTimeoutMs: 60_000, healthQuery: '?js-enabled-only=true', extraConfig: accounts.generated.config, faultProxies: true });
    await fullyHealthy(cluster);
    await provisionAsAdmin(accounts, cluster.url, 3);
    dir = await mkdtemp(join(tmpdir(), 'relay-fault-cluster-'));
    await writeZone(join(dir, 'zone.json'), devZone());
    pipeline = await startPipeline({ natsUrl: cluster.url, zoneFile: join(dir, 'zone.json'), replicas: 3, serviceEnv: serviceAccountEnv(accounts, cluster.url) });
    bus = await accounts.busAs('operator-alice', cluster.url);
    await allCurrent(cluster, ALL_STREAMS);
    // As a deployment runs it (deploy/k8s/audit-follow.yaml): a round after each leader election and every `every`.
    if (options.healer) healer = startHealer(accounts.envOf('operator-alice', cluster.url), { every: options.healer.every, since: '30m' });
  });
  afterAll(async () => {
    console.log(faultTable(`${title} (${REPORTS_PER_FAULT} reports per fault at ${PER_SECOND}/s over HTTP)`, rows));
    if (healer) console.log(healerSummary(healer));
    await healer?.stop();
    for (const b of extraBuses) await b.close().catch(() => undefined);
    await bus?.close();
    await pipeline?.stop();
    await cluster?.dispose();
    await accounts?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the fault cluster is not started');
    return value;
  };
  return {
    get cluster() {
      return started(cluster);
    },
    get healer() {
      return healer;
    },
    rows,
    envOf: (user) => started(accounts).envOf(user, started(cluster).url),
    busAs: async (user) => {
      const b = await started(accounts).busAs(user, started(cluster).url);
      extraBuses.push(b);
      return b;
    },
    phase: (fault, inject) =>
      runFault({ bus: started(bus), pipeline: started(pipeline), fault, reports: REPORTS_PER_FAULT, perSecond: PER_SECOND, inject, record: (row) => rows.push(row), ...(healer ? { healer } : {}) }),
  };
}
