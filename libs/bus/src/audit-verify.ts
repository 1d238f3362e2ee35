import type { StreamConfig, StreamInfo } from '@nats-io/jetstream';
import { decodeMessage, Header, parseSubject, RelayType, StreamName } from '@relay/wire';
import { AUDIT_GENESIS_HASH, auditLinkHash, sameHash } from './audit-chain.js';
import { type Bus, internals } from './connection.js';
import { isNotFoundError } from './errors.js';
import { readStream, type StoredMessage } from './read.js';
import { STREAM_SPECS } from './topology.js';

/** What can be wrong with the audit trail. */
export const AuditBreakKind = {
  /** A stream of the trail does not exist. */
  StreamMissing: 'stream-missing',
  /** A stream's settings let records be removed (limits, deletes or purges allowed, sealed, short max age, wrong source). */
  Settings: 'settings',
  /** Sequences absent from AUDIT between or after its records: deleted. */
  Missing: 'missing',
  /** Records at the start of AUDIT are gone before their time, and the mirror still holds them: truncated. */
  Truncated: 'truncated',
  /** A record whose `prev_hash` is not the hash of the record stored before it. */
  HashMismatch: 'hash-mismatch',
  /** A record whose `prev_seq` does not name the record stored before it. */
  LinkMismatch: 'link-mismatch',
  /** A record that does not decode as an AuditRecord. */
  Undecodable: 'undecodable',
  /** A record without a chain link after the chain began. */
  Unchained: 'unchained',
  /** A record whose `actor` is not the user its subject names, the only user the broker let write there (decision 0112). */
  ActorMismatch: 'actor-mismatch',
  /** A record on `relay.audit.<action>`, which names no author, after records began to name theirs. */
  Unbound: 'unbound',
  /** The mirror holds different bytes or a different subject at the same sequence. */
  MirrorDiffers: 'mirror-differs',
  /** The mirror has passed a sequence AUDIT holds but lacks it. */
  MirrorLacks: 'mirror-lacks',
  /** The mirror holds sequences beyond AUDIT's last: AUDIT was re-created or rolled back. */
  MirrorAhead: 'mirror-ahead',
} as const;
export type AuditBreakKind = (typeof AuditBreakKind)[keyof typeof AuditBreakKind];

/** One break in the audit trail. */
export interface AuditBreak {
  readonly kind: AuditBreakKind;
  /** The stream it was found in. */
  readonly stream: StreamName;
  /** First sequence concerned (0 for a stream-wide finding). */
  readonly seq: number;
  /** Last sequence concerned, for a range. */
  readonly toSeq?: number;
  /** For sequences missing from AUDIT: true when the mirror still holds them all. */
  readonly inMirror?: boolean;
  /** What is wrong, in words. */
  readonly detail: string;
}

/** The state of the audit trail, as {@link verifyAuditChain} found it. */
export interface AuditChainReport {
  /** Records read from AUDIT. */
  readonly records: number;
  /** Records with a chain link. */
  readonly chained: number;
  /** Records written before the chain existed (no link), before the first chained one: not breaks. */
  readonly legacy: number;
  /**
   * Records on `relay.audit.<action>`, written before records named their
   * author in the subject (decision 0112), before the first that does: not breaks.
   */
  readonly unbound: number;
  /** First and last sequence stored in AUDIT (0 when empty). */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /**
   * Hex {@link auditLinkHash} of the last record read ('' when none): the
   * `prev_hash` the next record will carry. Kept outside the relay, it shows a
   * later rewrite of the whole trail.
   */
  readonly lastLink: string;
  /** Records in the mirror, or undefined when there is no mirror. */
  readonly mirrorRecords: number | undefined;
  /** AUDIT records the mirror has not copied yet (it follows within moments). */
  readonly mirrorBehind: number;
  /** Records only the mirror still holds because AUDIT's max age expired them: not breaks. */
  readonly agedOut: number;
  /** Every break found, in stream order; empty when the trail is intact. */
  readonly breaks: readonly AuditBreak[];
}

/** Settings of {@link verifyAuditChain}. */
export interface VerifyAuditOptions {
  /** How long AUDIT must keep records, ms; records gone sooner are truncated. Default: the topology's. */
  readonly retentionMs?: number;
  readonly now?: Date;
}

interface Held {
  readonly seq: number;
  readonly subject: string;
  readonly time: Date;
  readonly link: Uint8Array;
}

const auditSpec = STREAM_SPECS.find((s) => s.name === StreamName.Audit);
const ns = (ms: number): number => ms * 1_000_000;

/**
 * Walks the whole of AUDIT and its mirror and reports every break: sequences
 * missing (deleted, or truncated while the mirror holds them), records whose
 * link (`prev_seq`, `prev_hash`) does not match the record stored before them,
 * records that do not decode, and any difference between AUDIT and the mirror;
 * also settings that would let records be removed. Records written before the
 * chain existed are counted as legacy, not reported (decision 0096).
 * Reads only: stream info, and an ordered consumer on each stream.
 */
export async function verifyAuditChain(bus: Bus, options: VerifyAuditOptions = {}): Promise<AuditChainReport> {
  const { jsm } = internals(bus);
  const now = options.now ?? new Date();
  const retentionMs = options.retentionMs ?? auditSpec?.maxAgeMs ?? 0;
  const breaks: AuditBreak[] = [];
  // The mirror first: it never gets ahead of AUDIT, so reading it first makes "ahead" mean re-created, not racing.
  const mirrorInfo = await streamInfo(jsm, StreamName.AuditMirror);
  const auditInfo = await streamInfo(jsm, StreamName.Audit);
  if (!auditInfo) breaks.push({ kind: AuditBreakKind.StreamMissing, stream: StreamName.Audit, seq: 0, detail: 'AUDIT does not exist' });
  if (!mirrorInfo) breaks.push({ kind: AuditBreakKind.StreamMissing, stream: StreamName.AuditMirror, seq: 0, detail: `${StreamName.AuditMirror} does not exist: truncation of AUDIT cannot be seen` });
  if (auditInfo) breaks.push(...settingsBreaks(StreamName.Audit, auditInfo.config, ns(retentionMs)));
  if (mirrorInfo) breaks.push(...settingsBreaks(StreamName.AuditMirror, mirrorInfo.config, ns(retentionMs), StreamName.Audit));

  const lastSeq = auditInfo?.state.last_seq ?? 0;
  const records = auditInfo ? await readUpTo(bus, StreamName.Audit, lastSeq) : [];
  const mirrorLast = mirrorInfo?.state.last_seq ?? 0;
  const mirror = mirrorInfo ? new Map((await readUpTo(bus, StreamName.AuditMirror, mirrorLast)).map((m) => [m.seq, held(m)])) : undefined;

  const counts = walkChain(records, lastSeq, breaks);
  const lastRecord = records.at(-1);
  if (mirror) {
    const audit = new Map(records.map((m) => [m.seq, held(m)]));
    compareWithMirror({ audit, mirror, mirrorLast, lastSeq, retentionMs, now }, breaks, counts);
  }
  return {
    records: records.length,
    chained: counts.chained,
    legacy: counts.legacy,
    unbound: counts.unbound,
    firstSeq: auditInfo?.state.first_seq ?? 0,
    lastSeq,
    lastLink: lastRecord ? Buffer.from(auditLinkHash(lastRecord)).toString('hex') : '',
    mirrorRecords: mirror?.size,
    mirrorBehind: counts.mirrorBehind,
    agedOut: counts.agedOut,
    breaks: breaks.sort((a, b) => a.seq - b.seq),
  };
}

interface Counts {
  chained: number;
  legacy: number;
  unbound: number;
  mirrorBehind: number;
  agedOut: number;
}

/** Checks every AUDIT record's link against the record stored before it. */
function walkChain(records: readonly StoredMessage[], lastSeq: number, breaks: AuditBreak[]): Counts {
  const counts: Counts = { chained: 0, legacy: 0, unbound: 0, mirrorBehind: 0, agedOut: 0 };
  let prev: { seq: number; link: Uint8Array } | undefined;
  let chainBegun = false;
  let bindingBegun = false;
  for (const m of records) {
    if (prev && m.seq !== prev.seq + 1) breaks.push(missing(prev.seq + 1, m.seq - 1));
    const record = decodeAudit(m.headers[Header.Type], m.data);
    if (!record) {
      breaks.push({ kind: AuditBreakKind.Undecodable, stream: StreamName.Audit, seq: m.seq, detail: `${m.subject}: not a relay.v1.AuditRecord` });
    } else if (record.prevHash.length === 0) {
      if (chainBegun) breaks.push({ kind: AuditBreakKind.Unchained, stream: StreamName.Audit, seq: m.seq, detail: `${m.subject}: no chain link, after the chain began` });
      else counts.legacy++;
    } else {
      chainBegun = true;
      counts.chained++;
      const linkBreak = checkLink(m.seq, m.subject, Number(record.prevSeq), record.prevHash, prev);
      if (linkBreak) breaks.push(linkBreak);
    }
    if (record) {
      const author = authorOf(m.subject);
      if (author !== undefined) bindingBegun = true;
      const actorBreak = checkActor(m.seq, m.subject, record.actor, author, bindingBegun);
      if (actorBreak) breaks.push(actorBreak);
      else if (author === undefined) counts.unbound++;
    }
    prev = { seq: m.seq, link: auditLinkHash(m) };
  }
  // The last sequence stays in the stream's state when the last record is deleted.
  if (prev && prev.seq < lastSeq) breaks.push(missing(prev.seq + 1, lastSeq));
  return counts;
}

function checkLink(seq: number, subject: string, prevSeq: number, prevHash: Uint8Array, prev: { seq: number; link: Uint8Array } | undefined): AuditBreak | undefined {
  const at = { stream: StreamName.Audit, seq };
  if (prevSeq === 0) {
    if (seq === 1 && sameHash(prevHash, AUDIT_GENESIS_HASH)) return undefined;
    return { kind: AuditBreakKind.LinkMismatch, ...at, detail: `${subject}: claims to be the first record, but is at sequence ${seq}` };
  }
  if (prevSeq >= seq) return { kind: AuditBreakKind.LinkMismatch, ...at, detail: `${subject}: links to record ${prevSeq}, which is not before it` };
  if (!prev) return undefined; // Its predecessor is before AUDIT's first record: aged out or truncated (the mirror tells).
  if (prevSeq === prev.seq) {
    if (sameHash(prevHash, prev.link)) return undefined;
    return { kind: AuditBreakKind.HashMismatch, ...at, detail: `${subject}: prev_hash is not the hash of record ${prev.seq}` };
  }
  if (prevSeq > prev.seq && prevSeq < seq) return undefined; // Points into a gap, reported as missing.
  return { kind: AuditBreakKind.LinkMismatch, ...at, detail: `${subject}: links to record ${prevSeq}, but the record before it is ${prev.seq}` };
}

/** The user an audit subject names (`relay.audit.<actor>.<action>`), or undefined for the legacy `relay.audit.<action>`. */
function authorOf(subject: string): string | undefined {
  try {
    const parsed = parseSubject(subject);
    return parsed.kind === 'audit' ? parsed.actor : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A record's `actor` must be the user its subject names: the broker lets each
 * user publish audit records only under its own name, so the subject says who
 * wrote it and the payload cannot claim someone else (decision 0112).
 */
function checkActor(seq: number, subject: string, actor: string, author: string | undefined, bindingBegun: boolean): AuditBreak | undefined {
  const at = { stream: StreamName.Audit, seq };
  if (author === undefined) {
    if (!bindingBegun) return undefined;
    return { kind: AuditBreakKind.Unbound, ...at, detail: `${subject}: names no author, after records began to name theirs` };
  }
  if (actor === author) return undefined;
  return { kind: AuditBreakKind.ActorMismatch, ...at, detail: `${subject}: claims actor ${JSON.stringify(actor)}, but was written by ${author}` };
}

interface Comparison {
  readonly audit: ReadonlyMap<number, Held>;
  readonly mirror: ReadonlyMap<number, Held>;
  readonly mirrorLast: number;
  readonly lastSeq: number;
  readonly retentionMs: number;
  readonly now: Date;
}

/** Compares AUDIT with its mirror record by record; marks missing ranges the mirror still holds. */
function compareWithMirror(c: Comparison, breaks: AuditBreak[], counts: Counts): void {
  for (const a of c.audit.values()) {
    if (a.seq > c.mirrorLast) counts.mirrorBehind++;
    else {
      const m = c.mirror.get(a.seq);
      if (!m) breaks.push({ kind: AuditBreakKind.MirrorLacks, stream: StreamName.AuditMirror, seq: a.seq, detail: `${a.subject}: in AUDIT, not in the mirror` });
      else if (!sameHash(m.link, a.link)) breaks.push({ kind: AuditBreakKind.MirrorDiffers, stream: StreamName.AuditMirror, seq: a.seq, detail: `AUDIT has ${a.subject}, the mirror ${m.subject}, with different bytes` });
    }
  }
  if (c.mirrorLast > c.lastSeq) {
    breaks.push({
      kind: AuditBreakKind.MirrorAhead,
      stream: StreamName.AuditMirror,
      seq: c.lastSeq + 1,
      toSeq: c.mirrorLast,
      detail: `the mirror holds records up to ${c.mirrorLast}, AUDIT only up to ${c.lastSeq}: AUDIT was re-created or rolled back`,
    });
  }
  // Maps iterate in insertion order, which is stream order.
  const firstInAudit = c.audit.keys().next().value ?? c.lastSeq + 1;
  const truncated = { count: 0, from: 0, to: 0 };
  for (const m of c.mirror.values()) {
    if (m.seq >= firstInAudit) break;
    if (c.now.getTime() - m.time.getTime() > c.retentionMs) counts.agedOut++;
    else {
      if (truncated.count === 0) truncated.from = m.seq;
      truncated.to = m.seq;
      truncated.count++;
    }
  }
  if (truncated.count > 0) {
    breaks.push({
      kind: AuditBreakKind.Truncated,
      stream: StreamName.Audit,
      seq: truncated.from,
      ...(truncated.to > truncated.from ? { toSeq: truncated.to } : {}),
      inMirror: true,
      detail: `${truncated.count} record(s) gone from the start of AUDIT before its max age; the mirror still holds them`,
    });
  }
  for (let i = 0; i < breaks.length; i++) {
    const b = breaks[i];
    if (b?.kind !== AuditBreakKind.Missing) continue;
    let all = true;
    for (let s = b.seq; s <= (b.toSeq ?? b.seq) && all; s++) all = c.mirror.has(s);
    breaks[i] = { ...b, inMirror: all, detail: all ? `${b.detail}; the mirror still holds ${b.toSeq === undefined ? 'it' : 'them'}` : b.detail };
  }
}

function missing(from: number, to: number): AuditBreak {
  return {
    kind: AuditBreakKind.Missing,
    stream: StreamName.Audit,
    seq: from,
    ...(to > from ? { toSeq: to } : {}),
    detail: to > from ? `records ${from}-${to} are not in AUDIT (deleted)` : `record ${from} is not in AUDIT (deleted)`,
  };
}

function settingsBreaks(stream: StreamName, config: StreamConfig, minAgeNs: number, source?: StreamName): AuditBreak[] {
  const problems: string[] = [];
  if (config.max_msgs > 0) problems.push(`max_msgs ${config.max_msgs}`);
  if (config.max_bytes > 0) problems.push(`max_bytes ${config.max_bytes}`);
  if (config.max_msgs_per_subject > 0) problems.push(`max_msgs_per_subject ${config.max_msgs_per_subject}`);
  if (config.max_age > 0 && config.max_age < minAgeNs) problems.push(`max_age ${Math.round(config.max_age / 86_400e9)} days`);
  if (!config.deny_delete) problems.push('deletes allowed');
  if (!config.deny_purge) problems.push('purges allowed');
  if (config.sealed) problems.push('sealed');
  if (source !== undefined && (config.mirror?.name !== source || config.mirror.filter_subject !== undefined)) {
    problems.push(`mirrors ${config.mirror?.name ?? 'nothing'}${config.mirror?.filter_subject ? ` (only ${config.mirror.filter_subject})` : ''}, not all of ${source}`);
  }
  if (problems.length === 0) return [];
  return [{ kind: AuditBreakKind.Settings, stream, seq: 0, detail: `${stream} settings let records go: ${problems.join(', ')}` }];
}

async function streamInfo(jsm: ReturnType<typeof internals>['jsm'], stream: StreamName): Promise<StreamInfo | undefined> {
  return jsm.streams.info(stream).catch((err: unknown) => {
    if (isNotFoundError(err)) return undefined;
    throw err;
  });
}

async function readUpTo(bus: Bus, stream: StreamName, lastSeq: number): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  if (lastSeq === 0) return out;
  for await (const m of readStream(bus, { stream })) {
    if (m.seq > lastSeq) break;
    out.push(m);
  }
  return out;
}

function held(m: StoredMessage): Held {
  return { seq: m.seq, subject: m.subject, time: m.time, link: auditLinkHash(m) };
}

function decodeAudit(type: string | undefined, data: Uint8Array): ReturnType<typeof decodeMessage<'relay.v1.AuditRecord'>> | undefined {
  if (type !== RelayType.AuditRecord) return undefined;
  try {
    return decodeMessage(RelayType.AuditRecord, data);
  } catch {
    return undefined;
  }
}
