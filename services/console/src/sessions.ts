import { randomBytes } from 'node:crypto';
import type { ConsoleRole } from '@relay/accounts';

/** A signed-in person. */
export interface Session {
  /** Opaque id in the session cookie: 256 random bits. */
  readonly id: string;
  /** The console user name. */
  readonly user: string;
  readonly role: ConsoleRole;
  /** The tenant it acts for (`hotline-eokm`, `police-nl`, `operator`). */
  readonly tenant: string;
  /**
   * The fingerprint of the account it signed in as (role and password hash, {@link accountFingerprint}
   * in users-file.ts): when the users file no longer holds that account, the session ends.
   */
  readonly account: string;
  /** Where it signed in from, for the audit record of its end. */
  readonly address: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** What a new session is made of. */
export type NewSession = Omit<Session, 'id' | 'expiresAt'>;

/** Why a session ended before its time, as the audit and the log say it. */
export type EndReason = string;

/** Sessions held in the console's memory: a restart signs everyone out, which is the safe side. */
export interface SessionStore {
  create(session: NewSession): Session;
  /** The live session with this id, or undefined (unknown, or expired and dropped). */
  get(id: string | undefined): Session | undefined;
  /** Every live session (the users-file check goes through them). */
  list(): readonly Session[];
  /** Ends a session: its `onEnd` listeners (its live feeds) are called with `reason`. */
  destroy(id: string, reason: EndReason): void;
  /**
   * Calls `listener` when the session ends (sign-out, expiry, its account removed or changed);
   * returns what stops listening. A session that is already gone calls it at once.
   */
  onEnd(id: string, listener: (reason: EndReason) => void): () => void;
}

/** A session store whose sessions last `ttlMs` from sign-in; `now` is the clock (epoch ms). */
export function createSessionStore(ttlMs: number, now: () => number = Date.now): SessionStore {
  const sessions = new Map<string, Session>();
  const listeners = new Map<string, Set<(reason: EndReason) => void>>();
  const end = (id: string, reason: EndReason): void => {
    sessions.delete(id);
    const waiting = listeners.get(id);
    listeners.delete(id);
    for (const listener of waiting ?? []) listener(reason);
  };
  const store: SessionStore = {
    create: (s) => {
      const session = { ...s, id: randomBytes(32).toString('base64url'), expiresAt: now() + ttlMs };
      sessions.set(session.id, session);
      return session;
    },
    get: (id) => {
      if (id === undefined) return undefined;
      const s = sessions.get(id);
      if (s === undefined) return undefined;
      if (s.expiresAt <= now()) {
        end(id, 'expired');
        return undefined;
      }
      return s;
    },
    list: () => [...sessions.keys()].map((id) => store.get(id)).filter((s): s is Session => s !== undefined),
    destroy: end,
    onEnd: (id, listener) => {
      if (store.get(id) === undefined) {
        listener('ended');
        return () => undefined;
      }
      const set = listeners.get(id) ?? new Set<(reason: EndReason) => void>();
      listeners.set(id, set);
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  };
  return store;
}
