import { type Bus, type ConsumerRunner, type ConsumerSpec, ensureTenantConsumers, runConsumer, tenantConsumerSpecs } from '@relay/bus';
import { dispatcherMetrics } from './metrics.js';
import { type Directory, type DirectoryKeys, DirectoryNotLoadedError, type DirectoryWatch, exportSigners, operatorSigners, tenantsOf, watchDirectory } from '@relay/directory';
import type { Metrics } from '@relay/observability';
import { RelayType, StreamName, subjectFilters } from '@relay/wire';
import { createCaseWatch, type FollowedCases, followCases } from './case-watch.js';
import { type CaseStore, openCaseStore } from './case-store.js';
import { type Apply, applier } from './apply.js';
import { crashHook, type CrashPoint } from './crash-points.js';
import { createOutbox, type Outbox } from './outbox.js';
import { createReportHashes } from './report-hashes.js';
import { type Clock, systemClock } from './clock.js';
import { createDeadlineQueue, type DeadlineQueue } from './deadline-queue.js';
import type { DecisionContext } from './decide-observation.js';
import { type DispatcherLog, silentLog } from './log.js';
import { onObservation } from './on-observation.js';
import { onStatus } from './on-status.js';
import { createRecheckIndex, type RecheckIndex } from './recheck-index.js';
import { createScheduler, type Scheduler, type TickReport } from './scheduler.js';
import { authoritySender } from './decide-status.js';
import { createStatusConsumers, type StatusConsumers } from './status-consumers.js';
import { dispatcherVerifiers } from './verifiers.js';

/** Durable consumer names of the contract; statuses are read per hotline, see {@link statusDurable}. */
export const Durable = { Hosting: 'dispatcher-hosting' } as const;

/** Settings of a dispatcher (durations in ms). */
export interface DispatcherSettings {
  /** How often every open or held case is re-located. */
  readonly recheckIntervalMs: number;
  /** How often the scheduler looks for due work. Default 250 ms. */
  readonly tickMs?: number;
  /** Messages handled at once per consumer. Default 64 (decision 0085). */
  readonly concurrency?: number;
  /** Cases cached in memory. Default 2,000 (decision 0085). */
  readonly cacheSize?: number;
  /** An outbox left this long is published by whoever sees it (its writer crashed). Default 10 s. */
  readonly stuckOutboxMs?: number;
  /** How long the server waits for an ack before redelivering. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Statuses of one hotline handled at once. Default 8; its consumer may have 4 times that unacked. */
  readonly statusConcurrency?: number;
  /** How far a status's `occurredAt` may lie ahead of now or before its referral. Default 5 min. */
  readonly statusClockSkewMs?: number;
  /** How often every stored case is read again, for the cases other replicas wrote (decision 0141). Default 1 h. */
  readonly caseResyncMs?: number;
  /** Kill the process with SIGKILL at this point (the crash-point suite only, decision 0142). */
  readonly crashAt?: CrashPoint;
}

/** What a running dispatcher is made of: plug in a fake clock and a quiet log in tests. */
export interface DispatcherParts {
  readonly bus: Bus;
  readonly settings: DispatcherSettings;
  readonly clock?: Clock;
  readonly log?: DispatcherLog;
  readonly metrics?: Metrics;
  /**
   * The pinned directory key(s): only revisions one of them signed are
   * followed, and without a valid one no message passes verification
   * (decisions 0105, 0110). main.ts always passes it (RELAY_DIRECTORY_KEY is
   * required, decision 0111); only in-process tests leave it out.
   */
  readonly directoryKey?: DirectoryKeys;
}

/** A running dispatcher. */
export interface Dispatcher {
  /** True once a directory is loaded (routing possible). */
  ready(): boolean;
  /** True when the case is in this replica's recheck index (open or held, from its own writes or a read of the bucket, decision 0141). */
  isScheduled(caseId: string): boolean;
  /** Runs the scheduler once now (tests use it with a fake clock instead of waiting for the timer). */
  tick(): Promise<TickReport>;
  /** Reads every stored case into the schedules now, as at start and every `caseResyncMs` (decision 0141). */
  resync(): Promise<void>;
  /** Open and held cases scheduled, deadlines pending, cache use. */
  stats(): { scheduled: number; deadlines: number; cache: ReturnType<CaseStore['cacheStats']>; directoryRevision: number | undefined };
  /** The durable consumers this dispatcher reads now (hosting, and one per hotline for statuses). */
  consumers(): { stream: StreamName; durable: string }[];
  /** The consumers of every tenant of the directory in force (retention waits for them); undefined before one is loaded. */
  tenantReaders(): ConsumerSpec[] | undefined;
  /** Drains every consumer, stops the scheduler and the watches. The bus stays open. */
  stop(): Promise<void>;
}

/**
 * Every organisation that may send statuses, each on its own subject and so
 * its own consumer: the hotlines of the directory and the fallback recipient,
 * the removal authorities (`authority-<cc>`: their orders, decision 0095) and
 * the operators the directory names as signers (orders on an authority's behalf).
 */
function statusSendersOf(d: Directory): string[] {
  const tenants = tenantsOf(d);
  return [
    ...new Set([...tenants.hotlines.map((h) => h.id), ...tenants.authorityCountries.map((cc) => authoritySender(cc)), ...operatorSigners(d)]),
  ];
}

/**
 * Runs a dispatcher on `bus` (topology ensured, a directory stored or to
 * come): watches the directory and the case bucket, consumes
 * `dispatcher-hosting` and one `dispatcher-status-<hotline>` per hotline of
 * the directory (decision 0090), and runs the recheck and deadline
 * scheduler. Any number may run against the same server. The process's
 * `startDispatcher` runs it with its ops port; tests run it in-process.
 */
export async function runDispatcher(deps: DispatcherParts): Promise<Dispatcher> {
  const { bus, settings } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? silentLog;
  const concurrency = settings.concurrency ?? 64;
  const recorded = deps.metrics ? dispatcherMetrics(deps.metrics) : undefined;

  // Set once the status handler can run; a directory seen before that is followed then.
  const later: { followHotlines?: (d: Directory, revision: number) => void } = {};
  // Independent start-up steps run concurrently: the directory watch beside the case store and the first read of the case bucket (start-up time).
  const strict = deps.directoryKey !== undefined;
  const watchingDirectory: Promise<DirectoryWatch> = watchDirectory(bus, {
    ...(strict ? { key: deps.directoryKey } : {}),
    onChange: (s) => {
      log.info({ revision: s.revision }, 'directory in force');
      later.followHotlines?.(s.directory, s.revision);
      // Every tenant's consumer exists from the moment it is in the directory, so
      // nothing routed to it waits on its system having connected once.
      // The public signer list tenants verify with follows the directory in force (decision 0103).
      exportSigners(bus, s.directory).then(
        (wrote) => wrote && log.info({ revision: s.revision }, 'signer list exported'),
        (err: unknown) => log.error({ err, revision: s.revision }, 'cannot export the signer list'),
      );
      ensureTenantConsumers(bus, tenantsOf(s.directory)).then(
        (n) => log.info({ revision: s.revision, consumers: n }, 'tenant consumers ensured'),
        (err: unknown) => log.error({ err, revision: s.revision }, 'cannot ensure tenant consumers'),
      );
    },
    onInvalid: (err, revision) => {
      recorded?.directoryRefused();
      log.error({ err, revision }, 'stored directory is invalid or not validly signed: keeping the previous one');
    },
  });
  const index: RecheckIndex = createRecheckIndex(settings.recheckIntervalMs);
  const deadlines: DeadlineQueue = createDeadlineQueue();
  const openingCases = (async () => {
    // 1. The store stores: a decision and the messages it calls for, in one compare-and-set.
    // The schedules follow this process's writes as it makes them, the others' at start and each resync (decision 0141).
    const schedules = createCaseWatch({ index, deadlines, log, stuckAfterMs: settings.stuckOutboxMs ?? 10_000 });
    const store = await openCaseStore(bus, { cacheSize: settings.cacheSize ?? 2_000, onWrite: (caseId, value) => schedules.track(caseId, value), now: () => clock.now() });
    // 2. The outbox publishes them, and recovers what a crashed writer left (decision 0140).
    const outbox: Outbox = createOutbox({
      bus,
      store,
      reportHashes: createReportHashes(bus),
      onPublished: (entry, message) => recorded?.published(entry, Date.now(), message),
      onHashesMissing: (entry) => log.warn({ msgId: entry.msgId, report: entry.hashesFrom }, 'referral published without hashes: REPORTS no longer holds its report'),
    });
    const watch: FollowedCases = await followCases(bus, store, schedules, { log, resyncMs: settings.caseResyncMs ?? 3_600_000 });
    return { store, outbox, watch };
  })();
  const [directory, { store, outbox, watch }] = await Promise.all([watchingDirectory, openingCases]);
  // Every change of a case: decide and store (store.transact), then publish (outbox.publish).
  const apply: Apply = applier(store, outbox, crashHook(settings.crashAt));
  const context = (): DecisionContext | undefined => {
    const d = directory.current();
    if (!d) return undefined;
    return {
      directory: d.directory,
      directoryRevision: d.revision,
      now: clock.now(),
      recheckIntervalMs: settings.recheckIntervalMs,
      ...(settings.statusClockSkewMs === undefined ? {} : { statusClockSkewMs: settings.statusClockSkewMs }),
    };
  };
  const requireContext = (): DecisionContext => {
    const ctx = context();
    if (!ctx) throw new DirectoryNotLoadedError();
    return ctx;
  };

  const scheduler: Scheduler = createScheduler({
    apply,
    recover: (caseId) => outbox.recover(caseId),
    index,
    deadlines,
    watch,
    clock,
    context,
    concurrency: Math.min(concurrency, 64),
    log,
    onTick: () => {
      recorded?.setBacklog(index.size(), deadlines.size());
    },
  });

  const verify = dispatcherVerifiers(() => directory.current()?.directory, strict);
  const common = { service: 'dispatcher', concurrency, maxAckPending: concurrency * 4, ackWaitMs: settings.ackWaitMs ?? 30_000, log };
  const hosting: ConsumerRunner = await runConsumer(
    bus,
    {
      ...common,
      stream: StreamName.Hosting,
      durable: Durable.Hosting,
      filterSubject: subjectFilters.hosting(),
      types: [RelayType.HostingObservation],
      verify: verify.hosting,
    },
    onObservation(apply, requireContext, Durable.Hosting, async (caseId) => {
      // A repair (decision 0154): what the case's outbox holds goes out again; each stream drops what it still has.
      const stored = await outbox.republish(caseId);
      if (stored > 0) log.warn({ caseId, stored }, 'repair: republished messages a stream had lost after acknowledging them');
    }),
  );
  const statusConcurrency = settings.statusConcurrency ?? 8;
  const statuses: StatusConsumers = createStatusConsumers({
    bus,
    log,
    concurrency: statusConcurrency,
    maxAckPending: statusConcurrency * 4,
    ackWaitMs: common.ackWaitMs,
    verify: verify.statuses,
    handle: onStatus(apply, requireContext),
  });
  later.followHotlines = (d, revision) => {
    const hotlines = statusSendersOf(d);
    statuses.follow(hotlines).then(
      () => log.info({ revision, hotlines: hotlines.length }, 'status consumers follow the directory'),
      (err: unknown) => log.error({ err, revision }, 'cannot start the status consumers of the directory'),
    );
  };
  const loaded = directory.current();
  if (loaded) await statuses.follow(statusSendersOf(loaded.directory));
  scheduler.start(settings.tickMs ?? 250);
  return {
    ready: () => directory.current() !== undefined,
    isScheduled: (caseId) => index.has(caseId),
    tick: () => scheduler.tick(),
    resync: () => watch.resync(),
    stats: () => ({ scheduled: index.size(), deadlines: deadlines.size(), cache: store.cacheStats(), directoryRevision: directory.current()?.revision }),
    consumers: () => [{ stream: StreamName.Hosting, durable: Durable.Hosting }, ...statuses.durables().map((durable) => ({ stream: StreamName.Status, durable }))],
    tenantReaders: () => {
      const d = directory.current()?.directory;
      return d && tenantConsumerSpecs(tenantsOf(d));
    },
    stop: async () => {
      await scheduler.stop();
      await Promise.all([hosting.stop(), statuses.stop()]);
      watch.stop();
      directory.stop();
    },
  };
}
