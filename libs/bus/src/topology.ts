import { DiscardPolicy, type JetStreamManager, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { PermissionViolationError } from '@nats-io/transport-node';
import { KvBucket, RelayError, StreamName, SubjectRoot } from '@relay/wire';
import { type Bus, internals } from './connection.js';
import { BusErrorCode, isNotFoundError } from './errors.js';

const DAY = 24 * 60 * 60 * 1000;
const MINUTE = 60 * 1000;

/** The retention settings of one stream. */
export interface StreamSpec {
  readonly name: StreamName;
  readonly subjects: readonly string[];
  readonly description: string;
  /** Messages older than this are removed, ms. */
  readonly maxAgeMs: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped, ms. */
  readonly duplicateWindowMs: number;
  /** Refuse purges and message deletes (audit trail). */
  readonly immutable?: boolean;
}

/**
 * The longest a stream or bucket keeps URLs, IP addresses or reporters'
 * contacts as they came in (decision 0107): REPORTS, HOSTING, the DLQ,
 * RECHECKS and the `relay-hosting` bucket expire within it. REFERRALS,
 * NOTICES and STATUS are anonymised into ARCHIVE by retention once their
 * tenants acked (decision 0106); their max age is only the backstop.
 */
export const PERSONAL_DATA_MAX_AGE_MS = 90 * DAY;

/**
 * Every stream of the wire contract (docs/architecture.md §4) with explicit retention. The duplicate window of
 * REPORTS is 24 h so a reporter can resend after a timeout for a day and get
 * the original receipt back; later resends are caught by the deterministic ids
 * downstream.
 */
export const STREAM_SPECS: readonly StreamSpec[] = [
  { name: StreamName.Reports, subjects: [`${SubjectRoot.Report}.>`], description: 'Accepted reports', maxAgeMs: PERSONAL_DATA_MAX_AGE_MS, duplicateWindowMs: DAY },
  { name: StreamName.Hosting, subjects: [`${SubjectRoot.Hosting}.>`], description: 'Hosting observations', maxAgeMs: PERSONAL_DATA_MAX_AGE_MS, duplicateWindowMs: 2 * 60 * MINUTE },
  { name: StreamName.Referrals, subjects: [`${SubjectRoot.Referral}.>`], description: 'Referrals to hotlines', maxAgeMs: 365 * DAY, duplicateWindowMs: DAY },
  { name: StreamName.Notices, subjects: [`${SubjectRoot.Notice}.>`], description: 'Notices to hotlines, police and authorities', maxAgeMs: 365 * DAY, duplicateWindowMs: DAY },
  { name: StreamName.Status, subjects: [`${SubjectRoot.Status}.>`], description: 'Status updates from hotlines', maxAgeMs: 365 * DAY, duplicateWindowMs: DAY },
  { name: StreamName.Rechecks, subjects: [`${SubjectRoot.Recheck}.>`], description: 'Recheck requests to the locator', maxAgeMs: 7 * DAY, duplicateWindowMs: 2 * 60 * MINUTE },
  { name: StreamName.Dlq, subjects: [`${SubjectRoot.Dlq}.>`], description: 'Messages that could not be processed', maxAgeMs: PERSONAL_DATA_MAX_AGE_MS, duplicateWindowMs: DAY },
  { name: StreamName.Audit, subjects: [`${SubjectRoot.Audit}.>`], description: 'Operator actions; cannot be purged', maxAgeMs: 5 * 365 * DAY, duplicateWindowMs: 2 * MINUTE, immutable: true },
  { name: StreamName.Archive, subjects: [`${SubjectRoot.Archive}.>`], description: 'Anonymised referrals and notices, for statistics', maxAgeMs: 10 * 365 * DAY, duplicateWindowMs: DAY },
];

/** A stream that copies another (a JetStream mirror). */
export interface MirrorSpec {
  readonly name: StreamName;
  /** The stream it copies, with the same sequences, subjects, headers and times. */
  readonly source: StreamName;
  readonly description: string;
  /** Messages older than this are removed, ms; longer than the source's. */
  readonly maxAgeMs: number;
}

/**
 * AUDIT_MIRROR keeps every audit record even when AUDIT is shrunk, sealed
 * short or re-filled; `verifyAuditChain` compares the two (decision 0096).
 * It refuses purges and deletes and keeps records twice as long as AUDIT.
 */
export const MIRROR_SPECS: readonly MirrorSpec[] = [
  { name: StreamName.AuditMirror, source: StreamName.Audit, description: 'Copy of AUDIT that no runtime or operator user may change', maxAgeMs: 10 * 365 * DAY },
];

/** The settings of one KV bucket. */
export interface KvSpec {
  readonly bucket: KvBucket;
  readonly description: string;
  /** Revisions kept per key. */
  readonly history: number;
  /** A key's value is removed this long after its last write, ms; absent: kept for ever. */
  readonly maxAgeMs?: number;
}

/** Every KV bucket of the wire contract (docs/architecture.md §4). */
export const KV_SPECS: readonly KvSpec[] = [
  { bucket: KvBucket.Cases, description: 'Case state per case id', history: 1 },
  // Observations hold URLs and IPs: they expire like HOSTING's (decision 0107).
  { bucket: KvBucket.HostingHistory, description: 'Latest hosting observation per case', history: 10, maxAgeMs: PERSONAL_DATA_MAX_AGE_MS },
  { bucket: KvBucket.Directory, description: 'Hotline directory', history: 20 },
  // Kept for ever: a report id stays one report for ever, after REPORTS (90 days) has let the report go (decision 0092).
  { bucket: KvBucket.Intake, description: 'Digest and REPORTS sequence per source report id', history: 1 },
  // A window is one minute; two leave room for clock skew between gateway copies (decision 0093).
  { bucket: KvBucket.RateLimits, description: 'Reports per source per minute, shared by every gateway', history: 1, maxAgeMs: 2 * MINUTE },
  // Waves list case ids and registrable domains: they expire like HOSTING's (decision 0107); a wave lasts hours, not months.
  { bucket: KvBucket.Waves, description: 'Relocation waves per hoster and country pair', history: 1, maxAgeMs: PERSONAL_DATA_MAX_AGE_MS },
];

/** Overrides of the default topology. */
export interface TopologyOptions {
  /** Replicas of every stream and bucket: 1 for a single server, 3 for a cluster. */
  readonly replicas: number;
  /** Per-stream max age overrides, ms. */
  readonly maxAgeMs?: Partial<Record<StreamName, number>>;
  /** Per-stream duplicate window overrides, ms (never above the max age). */
  readonly duplicateWindowMs?: Partial<Record<StreamName, number>>;
}

/** What {@link ensureTopology} did to each stream and bucket. */
export type TopologyReport = Record<string, 'created' | 'updated' | 'unchanged'>;

/**
 * The stream could not be created or brought to the wanted settings. Under
 * the generated accounts only the admin identity may do either (decision
 * 0097): a runtime service that meets a missing or outdated stream says so.
 */
export class TopologyError extends RelayError {
  override name = 'TopologyError';

  constructor(what: string, cause: unknown) {
    const denied = permissionViolationIn(cause);
    const detail = denied
      ? `this identity may not create or change it (${denied.operation} ${denied.subject} refused): provision it as the admin identity with \`relay topology apply --directory <file>\``
      : cause instanceof Error
          ? cause.message
          : String(cause);
    super(BusErrorCode.Topology, `cannot ensure ${what}: ${detail}`, { cause });
  }
}

/** The server's permissions refusal somewhere in an error's cause chain (the client wraps it in a RequestError). */
function permissionViolationIn(err: unknown): PermissionViolationError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof PermissionViolationError) return e;
  }
  return undefined;
}

const ns = (ms: number): number => ms * 1_000_000;

function streamConfig(spec: StreamSpec, options: TopologyOptions): Partial<StreamConfig> & { name: string } {
  const maxAge = options.maxAgeMs?.[spec.name] ?? spec.maxAgeMs;
  return {
    name: spec.name,
    description: spec.description,
    subjects: [...spec.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: ns(maxAge),
    duplicate_window: ns(Math.min(options.duplicateWindowMs?.[spec.name] ?? spec.duplicateWindowMs, maxAge)),
    num_replicas: options.replicas,
    deny_delete: spec.immutable ?? false,
    deny_purge: spec.immutable ?? false,
    allow_direct: true,
  };
}

/**
 * Creates every stream and KV bucket of the wire contract (docs/architecture.md §4), or brings existing ones to
 * the wanted settings. Safe to run from every service at every start.
 * Mirrors ({@link MIRROR_SPECS}) are created when absent and never updated:
 * changing AUDIT_MIRROR is for the admin identity alone, so a service that
 * finds it exists needs no right on it but `STREAM.INFO`.
 * Streams and buckets are independent, so they are ensured concurrently: one
 * JetStream API round trip per stream or bucket when nothing changes (every
 * service runs this on its start-up path).
 * @throws TopologyError when the server refuses (e.g. a change 2.9 cannot make).
 */
export async function ensureTopology(bus: Bus, options: TopologyOptions): Promise<TopologyReport> {
  const { jsm, js } = internals(bus);
  const kvm = new Kvm(js);
  const streams = new Map(STREAM_SPECS.map((spec) => [spec.name, ensureStream(jsm, spec, options)] as const));
  const outcomes = await Promise.allSettled([
    ...[...streams].map(async ([name, outcome]) => [name, await outcome] as const),
    ...MIRROR_SPECS.map(async (spec) => [spec.name, await ensureMirror(jsm, spec, options, streams.get(spec.source))] as const),
    ...KV_SPECS.map(async (spec) => [spec.bucket, await ensureBucket(jsm, kvm, spec, options)] as const),
  ]);
  const report: TopologyReport = {};
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') throw outcome.reason;
    report[outcome.value[0]] = outcome.value[1];
  }
  return report;
}

type Outcome = TopologyReport[string];

async function ensureStream(jsm: JetStreamManager, spec: StreamSpec, options: TopologyOptions): Promise<Outcome> {
  const want = streamConfig(spec, options);
  try {
    const info = await jsm.streams.info(spec.name).catch((err: unknown) => {
      if (isNotFoundError(err)) return undefined;
      throw err;
    });
    if (!info) {
      await jsm.streams.add(want);
      return 'created';
    }
    if (differs(info.config, want)) {
      await jsm.streams.update(spec.name, want);
      return 'updated';
    }
    return 'unchanged';
  } catch (err) {
    throw new TopologyError(`stream ${spec.name}`, err);
  }
}

async function ensureMirror(jsm: JetStreamManager, spec: MirrorSpec, options: TopologyOptions, source: Promise<unknown> | undefined): Promise<Outcome> {
  try {
    const info = await jsm.streams.info(spec.name).catch((err: unknown) => {
      if (isNotFoundError(err)) return undefined;
      throw err;
    });
    if (info) return 'unchanged';
    // Made after its source: a mirror of a stream that does not exist yet waits seconds before it tries again.
    await source?.catch(() => undefined);
    await jsm.streams.add({
      name: spec.name,
      description: spec.description,
      mirror: { name: spec.source },
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: ns(options.maxAgeMs?.[spec.name] ?? spec.maxAgeMs),
      num_replicas: options.replicas,
      deny_delete: true,
      deny_purge: true,
    });
    return 'created';
  } catch (err) {
    throw new TopologyError(`mirror ${spec.name}`, err);
  }
}

/** Tries of a new bucket's create and first read (a cluster can answer "stream not found" just after the create). */
const NEW_STREAM_ATTEMPTS = 5;

async function ensureBucket(jsm: JetStreamManager, kvm: Kvm, spec: KvSpec, options: TopologyOptions): Promise<Outcome> {
  const stream = `KV_${spec.bucket}`;
  try {
    let info = await jsm.streams.info(stream).catch((err: unknown) => {
      if (isNotFoundError(err)) return undefined;
      throw err;
    });
    const created = info === undefined;
    if (!info) {
      // The client makes the bucket's stream (subjects, rollups, discard policy) as every other client expects it.
      // In a cluster the new stream can be briefly unknown to the server that answers next ("stream not
      // found" from the create's own info, or ours): both are idempotent, so they are tried again.
      for (let attempt = 1; ; attempt++) {
        try {
          await kvm.create(spec.bucket, { history: spec.history, replicas: options.replicas, description: spec.description, ttl: spec.maxAgeMs ?? 0 });
          info = await jsm.streams.info(stream);
          break;
        } catch (err) {
          if (!isNotFoundError(err) || attempt >= NEW_STREAM_ATTEMPTS) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    }
    const maxAge = ns(spec.maxAgeMs ?? 0);
    if (info.config.num_replicas !== options.replicas || info.config.max_msgs_per_subject !== spec.history || info.config.max_age !== maxAge) {
      await jsm.streams.update(stream, { ...info.config, num_replicas: options.replicas, max_msgs_per_subject: spec.history, max_age: maxAge });
      return 'updated';
    }
    return created ? 'created' : 'unchanged';
  } catch (err) {
    throw new TopologyError(`KV bucket ${spec.bucket}`, err);
  }
}

function differs(have: Partial<StreamConfig>, want: Partial<StreamConfig>): boolean {
  return (Object.keys(want) as (keyof StreamConfig)[]).some((k) => JSON.stringify(have[k]) !== JSON.stringify(want[k]));
}

