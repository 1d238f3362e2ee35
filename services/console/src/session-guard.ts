import { describeConsoleRole } from '@relay/accounts';
import type { Logger } from '@relay/observability';
import type { Session, SessionStore } from './sessions.js';
import { accountFingerprint, type UsersFile, type UsersFileState } from './users-file.js';

/** How often the users file is checked when no request comes (so an idle live feed of a removed user ends too), ms. */
export const USERS_FILE_CHECK_MS = 2_000;

/** Why a session's account no longer lets it in, or undefined while it does. */
export function refusal(state: UsersFileState, session: Session): string | undefined {
  if (!state.ok) return 'the users file is invalid';
  const account = state.users.get(session.user);
  if (account === undefined) return 'removed from the users file';
  if (accountFingerprint(account) === session.account) return undefined;
  return describeConsoleRole(account.role) === describeConsoleRole(session.role) ? 'password changed' : 'role changed';
}

/** A session ended because of the users file. */
export interface EndedSession {
  readonly session: Session;
  readonly reason: string;
}

/** Keeps the sessions to what the users file allows (decision 0148). */
export interface SessionGuard {
  /**
   * The live session of `id` that the users file still allows, or undefined. Reads the file
   * (cached by its identity); when it changed, first ends every session it no longer allows,
   * live feeds included.
   */
  session(id: string | undefined): Promise<Session | undefined>;
  /** Checks every session against the file now (the timer's work). */
  sweep(): Promise<void>;
  /** Starts checking every `intervalMs`; returns what stops it. */
  start(intervalMs?: number): () => void;
}

/**
 * A guard over `sessions`; `onEnded` hears each session it ended (for the audit trail), after
 * the session is gone.
 */
export function createSessionGuard(deps: {
  readonly users: UsersFile;
  readonly sessions: SessionStore;
  readonly logger: Logger;
  readonly onEnded: (ended: EndedSession) => void;
}): SessionGuard {
  const { users, sessions, logger } = deps;
  let swept: UsersFileState | undefined;
  const end = (session: Session, reason: string): void => {
    sessions.destroy(session.id, reason);
    logger.warn({ user: session.user, tenant: session.tenant, reason }, 'console session ended by the users file');
    deps.onEnded({ session, reason });
  };
  const sweepWith = (state: UsersFileState): void => {
    swept = state;
    for (const s of sessions.list()) {
      const reason = refusal(state, s);
      if (reason !== undefined) end(s, reason);
    }
  };
  const guard: SessionGuard = {
    session: async (id) => {
      const state = await users.read();
      if (state !== swept) sweepWith(state);
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      // A sign-in that read the file before this change may have made its session after the sweep.
      const reason = refusal(state, session);
      if (reason === undefined) return session;
      end(session, reason);
      return undefined;
    },
    sweep: async () => {
      sweepWith(await users.read());
    },
    start: (intervalMs = USERS_FILE_CHECK_MS) => {
      const timer = setInterval(() => {
        guard.sweep().catch((err: unknown) => logger.error({ err }, 'console users file check failed'));
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
  return guard;
}
