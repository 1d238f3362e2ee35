import { type Bus, recordAudit } from '@relay/bus';

/** The console's own audit actor: sign-ins, sign-outs and ended sessions, written on its own connection (decision 0135). */
export const CONSOLE_ACTOR = 'console';

/** Audit actions of the console; each record also names the person in `details.person`. */
export const ConsoleAction = {
  SignIn: 'console-sign-in',
  SignInFailed: 'console-sign-in-failed',
  SignOut: 'console-sign-out',
  /** The users file no longer holds the session's account as it signed in (removed, new password or role). */
  SessionEnded: 'console-session-ended',
  Status: 'console-status',
  Redrive: 'console-dlq-redrive',
} as const;
export type ConsoleAction = (typeof ConsoleAction)[keyof typeof ConsoleAction];

/** What a person did, for the relay's audit trail. */
export interface ConsoleAuditEntry {
  readonly action: ConsoleAction;
  /** The console user name (what the person typed, for a failed sign-in). */
  readonly person: string;
  readonly target: string;
  readonly reason: string;
  readonly address: string;
  readonly details?: Readonly<Record<string, string>>;
}

/**
 * Appends an audit record as `actor` (the NATS user of `bus`: `console` for
 * sign-ins, `console-<tenant>` for a person's actions), so the broker binds
 * the record to the connection that wrote it (decision 0112) and `details`
 * name the person.
 * @throws PublishError when AUDIT did not store it: the action must not go ahead.
 */
export async function auditConsole(bus: Bus, actor: string, entry: ConsoleAuditEntry): Promise<void> {
  await recordAudit(bus, {
    actor,
    action: entry.action,
    target: entry.target,
    reason: entry.reason,
    details: { person: entry.person, address: entry.address, ...entry.details },
  });
}
