import { deriveId } from '@relay/wire';
import { z } from 'zod';

/** Lifecycle of a case. `held`: no route yet (unroutable, unresolved); rechecked like an open case. */
export const CaseStatus = { Open: 'open', Held: 'held', Closed: 'closed' } as const;
export type CaseStatus = (typeof CaseStatus)[keyof typeof CaseStatus];

/** What started a removal deadline: the hotline's notice to the hoster, or an authority's order. */
export const DeadlineKind = { HosterNotice: 'hoster-notice', AuthorityOrder: 'authority-order' } as const;
export type DeadlineKind = (typeof DeadlineKind)[keyof typeof DeadlineKind];

const ms = z.number().int().nonnegative();

/** A message written with the state change that caused it and published after it (decisions 0031, 0140). */
export const outboxEntrySchema = z.object({
  msgId: z.string().min(1),
  subject: z.string().min(1),
  type: z.string().min(1),
  /** The encoded protobuf, base64. */
  data: z.string(),
  traceparent: z.string().optional(),
  /**
   * The consumed message whose handling wrote the entry (consumer and stream
   * sequence): if its writer crashes before publishing, that message comes
   * back and its handler publishes the entry (decision 0140). Absent for
   * entries a scheduler wrote, which are cleared at once after publishing.
   */
  cause: z.object({ consumer: z.string(), seq: z.number().int().positive() }).optional(),
  /** A referral's hashes are added on publishing, from this report (decision 0094): the case never holds them. */
  hashesFrom: z.object({ reportId: z.string(), seq: z.number().int().positive(), count: z.number().int().nonnegative() }).optional(),
  /**
   * When a later write of the case found the entry published (ms): it is kept until
   * {@link OUTBOX_KEEP_MS} after that, published for every reader, so that an audit can still
   * re-drive it if the server lost it after acknowledging it (decision 0162).
   */
  publishedAt: z.number().int().nonnegative().optional(),
});

/**
 * How long a case keeps an outbox entry after a later write found it published (decision 0162):
 * longer than a `relay audit --follow` round after a leader election needs to find and re-drive
 * what the server lost (15-minute rounds; one over a million open cases reads for ~2 minutes).
 */
export const OUTBOX_KEEP_MS = 60 * 60_000;

/**
 * A file a CyberTipline `fileDetails` added to the case's report (decision
 * 0101): where its hashes are (the file's report on REPORTS) and its
 * classification. The case keeps the reference, never the hashes.
 */
const fileSchema = z.object({
  reportId: z.string(),
  seq: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  classification: z.object({ legal: z.number().int(), category: z.number().int(), siteType: z.number().int(), ageGroup: z.number().int() }).optional(),
});

const routingSchema = z.object({
  /** 0 for the first referral, +1 for every relocation, reroute or reopening. */
  epoch: z.number().int().nonnegative(),
  referralId: z.string(),
  jurisdiction: z.string(),
  hotline: z.string(),
  hotlineCountry: z.string(),
  reason: z.number().int(),
  fallback: z.boolean(),
  /** The jurisdiction's police were told (HOSTED_IN routes): they hear of a move out too. */
  policeTold: z.boolean(),
  directoryRevision: z.number().int().nonnegative(),
  issuedAt: ms,
});

const deadlineSchema = z.object({
  kind: z.enum([DeadlineKind.HosterNotice, DeadlineKind.AuthorityOrder]),
  statusId: z.string(),
  referralId: z.string(),
  jurisdiction: z.string(),
  startedAt: ms,
  dueAt: ms,
  escalated: z.boolean(),
});

/** The state of one case, the value in KV `relay-cases` under the case id. */
export const caseSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  /** The normalised URL the case is keyed on. */
  url: z.string().min(1),
  status: z.enum([CaseStatus.Open, CaseStatus.Held, CaseStatus.Closed]),
  holdReason: z.string().optional(),
  openedAt: ms,
  /** Every source that reported the URL, in order of arrival. */
  sources: z.array(z.string()),
  /**
   * Relay ids of the reports applied to the case (`deriveId('rpt', source,
   * sourceReportId)`), the latest {@link REPORT_MEMORY}: only a report not
   * among them reopens a closed case (decision 0095). Older cases lack it.
   */
  reports: z.array(z.string()).optional(),
  /**
   * Files added to the case's report after it opened (fileDetails), oldest
   * first, at most {@link FILE_MEMORY}: each routing sends them to its hotline.
   */
  files: z.array(fileSchema).optional(),
  /** The observation that opened the case (proto3 JSON): report id and stream sequence (where its hashes are), classification. */
  opening: z.unknown(),
  /** The latest observation that changed the case (proto3 JSON); routing never goes back past its `resolvedAt`. */
  hosting: z.unknown(),
  /** `resolvedAt` of `hosting`, ms. */
  resolvedAt: ms,
  /** AS number of `hosting` (hoster changes). */
  asn: z.number().int().nonnegative(),
  routing: routingSchema.optional(),
  deadline: deadlineSchema.optional(),
  /** The referral an authority order was applied to: one order per routing epoch (decision 0095). */
  orderedOn: z.string().optional(),
  recheck: z.object({ seq: z.number().int().nonnegative(), nextAt: ms }),
  closed: z.object({ at: ms, action: z.number().int(), statusId: z.string() }).optional(),
  /** Recently applied status update ids, newest last (idempotency for redeliveries). */
  statuses: z.array(z.object({ id: z.string(), action: z.number().int(), at: ms })),
  outbox: z.array(outboxEntrySchema),
  /** The epoch of the case's first routing: a case opened after its tombstone goes on from the archived case's (decision 0118). */
  firstEpoch: z.number().int().nonnegative().optional(),
  /**
   * The relay id of the report that first opened the URL's case; part of every
   * referral id ({@link referralIdOf}), so a case opened again after its
   * tombstone left the bucket never reuses an archived referral's id (decision
   * 0118). Cases stored before it lack it and keep their ids.
   */
  generation: z.string().min(1).optional(),
});

/**
 * What stays of a case closed for longer than the retention period (decision
 * 0118): no URL, host, IP or observation, only what keeps a later report of
 * the same URL from reusing the archived case's referral ids and keeps old
 * observations from opening it again. `status` and `outbox` let the schedules
 * read it as a closed case with nothing to publish.
 */
export const tombstoneSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  status: z.literal(CaseStatus.Closed),
  tombstone: z.object({
    /** When the case closed, ms: only reports received later open it again. */
    closedAt: ms,
    /** When the case was replaced by this tombstone, ms. */
    at: ms,
    /** The epoch the next routing of the URL takes. */
    nextEpoch: z.number().int().nonnegative(),
    /** The last recheck sequence: recheck ids (`deriveId('rck', caseId, seq)`) go on from it too. */
    recheckSeq: z.number().int().nonnegative(),
    /** The case's generation: a case opened after the tombstone keeps it, so its referral ids go on from the archived case's. */
    generation: z.string().min(1).optional(),
  }),
  /** `resolvedAt` of the case's latest observation: no observation resolved before it opens the case again. */
  resolvedAt: ms,
  /** Relay ids of the reports the case applied (no URL in them): resent, they open nothing. */
  reports: z.array(z.string()),
  outbox: z.array(outboxEntrySchema).max(0),
});

/** A tombstone. */
export type CaseTombstone = z.infer<typeof tombstoneSchema>;

/** What KV `relay-cases` holds under a case id: a case or its tombstone. */
export type StoredCase = CaseState | CaseTombstone;

/** One case. */
export type CaseState = z.infer<typeof caseSchema>;

/**
 * The referral id of a case's routing in `epoch`: derived from the case, its
 * generation and the epoch, so a redelivery or replay computes the same id
 * (hard rule 2) while a later life of the URL's case gets new ones (0118).
 */
export function referralIdOf(c: Pick<CaseState, 'id' | 'generation'>, epoch: number): string {
  return c.generation === undefined ? deriveId('ref', c.id, epoch) : deriveId('ref', c.id, c.generation, epoch);
}
/** Where a case is routed. */
export type CaseRouting = z.infer<typeof routingSchema>;
/** A removal deadline. */
export type CaseDeadline = z.infer<typeof deadlineSchema>;
/** A pending message of a case. */
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;

/** How many applied status ids a case remembers. */
export const STATUS_MEMORY = 20;

/** A file added to a case. */
export type CaseFile = z.infer<typeof fileSchema>;

/** How many files a case remembers (about 120 bytes each: 1,000 files keep a case under 130 kB). */
export const FILE_MEMORY = 1_000;

/** How many applied report ids a case remembers (about 40 bytes each). */
export const REPORT_MEMORY = 100;

/**
 * The case's recheck phase within the interval, ms: from the case id (a
 * SHA-256 derived id), so a million cases spread evenly over the interval
 * and every replica computes the same schedule.
 */
export function recheckPhase(caseId: string, intervalMs: number): number {
  const hex = caseId.slice(caseId.indexOf('_') + 1, caseId.indexOf('_') + 9);
  return parseInt(hex, 16) % intervalMs;
}

/** The first time after `now` at which the case's phase comes round, ms. */
export function nextRecheckAt(caseId: string, now: number, intervalMs: number): number {
  const phase = recheckPhase(caseId, intervalMs);
  const into = (((now - phase) % intervalMs) + intervalMs) % intervalMs;
  return now - into + intervalMs;
}

/** The id of the case of a normalised URL: the key in KV `relay-cases`, the same for every replica and every replay. */
export function caseIdOf(normalizedUrl: string): string {
  return deriveId('case', normalizedUrl);
}

/** Case ids as {@link caseIdOf} makes them. */
export const CASE_ID = /^case_[0-9a-f]{32}$/;
