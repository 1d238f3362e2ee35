import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { RelayError, RelayType, StreamName, SubjectRoot, subjects } from '@relay/wire';
import { AUDIT_GENESIS_HASH, type AuditLinkInput, auditLinkHash } from './audit-chain.js';
import { type Bus, internals } from './connection.js';
import { isLastSequenceMismatchError, PublishError } from './errors.js';
import { publishMessage, type Stored } from './publish.js';

/** Appends tried before giving up when other writers keep coming first. */
const APPEND_ATTEMPTS = 12;

/** What an operator did, for the AUDIT stream. */
export interface AuditEntry {
  /**
   * The NATS user writing the record (`operator-alice`), an id token: the
   * record goes to `relay.audit.<actor>.<action>`, which the broker lets only
   * that user publish (decision 0112).
   */
  readonly actor: string;
  /** Lower-case action token: `replay`, `dlq-redrive`, `reroute`, `directory-apply`, ... */
  readonly action: string;
  /** What it was done to. */
  readonly target: string;
  /** Why; required. */
  readonly reason: string;
  /** Parameters and results. */
  readonly details?: Readonly<Record<string, string>>;
}

/** An operator action without a reason. */
export class AuditReasonMissingError extends RelayError {
  override name = 'AuditReasonMissingError';

  constructor(action: string) {
    super('audit-reason-missing', `${action} needs a reason (--reason "...") for the audit trail`);
  }
}

/**
 * Writes an audit record to `relay.audit.<actor>.<action>` and waits until
 * AUDIT stored it. Call it before the action's effects, so no action goes unrecorded.
 * The record is chained to the last record in AUDIT (its sequence and
 * {@link auditLinkHash}) and stored only if that is still the last one
 * (`Nats-Expected-Last-Sequence`); when another writer came first it reads
 * the new last record and tries again, so concurrent writers all land, each
 * linked to the one before (decision 0096).
 * Needs, besides publishing on `relay.audit.<actor>.*`: `$JS.API.STREAM.MSG.GET.AUDIT`.
 * @throws AuditReasonMissingError when `reason` is blank.
 * @throws InvalidSubjectTokenError when `actor` or `action` cannot be a subject token.
 * @throws PublishError when AUDIT did not acknowledge, or other writers kept
 * coming first (then do not act).
 */
export async function recordAudit(bus: Bus, entry: AuditEntry, now: Date = new Date()): Promise<Stored> {
  if (entry.reason.trim() === '') throw new AuditReasonMissingError(entry.action);
  const id = `aud_${randomUUID()}`;
  const subject = subjects.audit(entry.actor, entry.action);
  let lastError: unknown;
  for (let attempt = 1; attempt <= APPEND_ATTEMPTS; attempt++) {
    const last = await lastAuditMessage(bus).catch((err: unknown) => {
      throw new PublishError(subject, err);
    });
    try {
      return await publishMessage(
        bus,
        subject,
        RelayType.AuditRecord,
        {
          id,
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          reason: entry.reason,
          occurredAt: now,
          details: { ...entry.details },
          host: hostname(),
          prevHash: Buffer.from(last ? auditLinkHash(last) : AUDIT_GENESIS_HASH),
          prevSeq: BigInt(last?.seq ?? 0),
        },
        // The same msgId on every attempt: an attempt whose ack was lost is found as a duplicate, never stored twice.
        { msgId: `audit:${id}`, origin: entry.actor, expectLastSequence: last?.seq ?? 0 },
      );
    } catch (err) {
      if (!isLastSequenceMismatchError(err)) throw err;
      lastError = err;
      // Jitter, so writers that collided do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
  throw new PublishError(subject, lastError);
}

/** The last message in AUDIT, or undefined when AUDIT is empty. */
async function lastAuditMessage(bus: Bus): Promise<AuditLinkInput | undefined> {
  // One request that names the message and its sequence together (2.9 takes a wildcard here).
  // getMessage answers null only for "no message"; a refusal (permissions) throws and nothing is written.
  const m = await internals(bus).jsm.streams.getMessage(StreamName.Audit, { last_by_subj: `${SubjectRoot.Audit}.>` });
  return m ? { seq: m.seq, subject: m.subject, data: m.data } : undefined;
}
