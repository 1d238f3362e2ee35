import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { RelayError, RelayType, subjects } from '@relay/wire';
import type { Bus } from './connection.js';
import { publishMessage, type Stored } from './publish.js';

/** What an operator did, for the AUDIT stream. */
export interface AuditEntry {
  /** The operator's user or login name. */
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
 * Writes an audit record to `relay.audit.<action>` and waits until AUDIT stored
 * it. Call it before the action's effects, so no action goes unrecorded.
 * @throws AuditReasonMissingError when `reason` is blank.
 * @throws PublishError when AUDIT did not acknowledge (then do not act).
 */
export async function recordAudit(bus: Bus, entry: AuditEntry, now: Date = new Date()): Promise<Stored> {
  if (entry.reason.trim() === '') throw new AuditReasonMissingError(entry.action);
  const id = `aud_${randomUUID()}`;
  return publishMessage(
    bus,
    subjects.audit(entry.action),
    RelayType.AuditRecord,
    { id, actor: entry.actor, action: entry.action, target: entry.target, reason: entry.reason, occurredAt: now, details: { ...entry.details }, host: hostname() },
    { msgId: `audit:${id}`, origin: entry.actor },
  );
}
