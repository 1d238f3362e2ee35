import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { type Bus, recordAudit, type Stored, streamState } from '@relay/bus';
import { inboxUser, isIdToken, StreamName } from '@relay/wire';
import type { CliContext } from '../context.js';
import { UnavailableError, UsageError } from '../errors.js';

/** The options every audited verb takes. */
export interface AuditedOptions {
  readonly reason: string;
  readonly actor?: string;
}

/** Adds `--reason` (required) and `--actor` to a verb that changes or re-sends something. */
export function auditedOptions(command: Command): Command {
  return command
    .requiredOption('--reason <text>', 'why you do this, for the audit trail (AUDIT stream)')
    .option('--actor <name>', 'who you are, for the audit trail (default: your NATS user, else NATS_CLIENT_NAME, else your OS user)');
}

/**
 * The operator named in audit records. With a generated NATS user (its inbox
 * prefix `_INBOX.<role>.<user>` in `NATS_INBOX_PREFIX`) it is that user: the
 * broker takes audit records only under the writer's own name (decision
 * 0112), so `--actor` may name nobody else. Without accounts (the dev stack):
 * `--actor`, else `NATS_CLIENT_NAME`, else the OS user, as a subject token
 * (lower case; anything but letters, digits and `-` becomes `-`).
 * @throws UsageError when `--actor` names someone other than the NATS user.
 */
export function actorOf(ctx: CliContext, given: string | undefined): string {
  const named = given !== undefined && given.trim() !== '' ? given.trim() : undefined;
  const user = inboxUser(ctx.env['NATS_INBOX_PREFIX']);
  if (user !== undefined) {
    if (named !== undefined && named !== user) throw new UsageError(`--actor ${named}: you are connected as ${user}, and audit records carry the name you are connected as`);
    return user;
  }
  const client = ctx.env['NATS_CLIENT_NAME']?.trim();
  return asToken(named ?? (client === undefined || client === '' ? osUser() : client));
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** A name as a subject token: `Alice Smith` -> `alice-smith`. */
function asToken(name: string): string {
  const token = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return isIdToken(token) ? token : 'unknown';
}

/**
 * Refuses a blank `--reason` before anything connects, so a usage mistake
 * never reaches the server.
 * @throws UsageError
 */
export function requireReason(options: AuditedOptions): void {
  if (options.reason.trim() === '') throw new UsageError('--reason must say why (it goes to the audit trail)');
}

/** What is about to be done, for {@link auditBeforeActing}. */
export interface PlannedAction {
  /** `replay`, `reroute`, `dlq-redrive`, `retention-apply`. */
  readonly action: string;
  readonly target: string;
  readonly details?: Readonly<Record<string, string>>;
}

/**
 * Writes the audit record of an operator action and returns where AUDIT
 * stored it; call it before acting, so no action goes unrecorded.
 * @throws UnavailableError when the server has no AUDIT stream (not a relay, or never started).
 * @throws PublishError when AUDIT did not acknowledge (then the verb must not act).
 */
export async function auditBeforeActing(bus: Bus, ctx: CliContext, options: AuditedOptions, planned: PlannedAction): Promise<Stored> {
  if (!(await streamState(bus, StreamName.Audit))) {
    throw new UnavailableError('the server has no AUDIT stream: it is not a Hotline Relay server, or no relay service has started on it yet');
  }
  return recordAudit(bus, {
    actor: actorOf(ctx, options.actor),
    action: planned.action,
    target: planned.target,
    reason: options.reason.trim(),
    ...(planned.details === undefined ? {} : { details: planned.details }),
  });
}
