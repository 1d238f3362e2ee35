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
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** Sessions held in the console's memory: a restart signs everyone out, which is the safe side. */
export interface SessionStore {
  create(user: string, role: ConsoleRole, tenant: string): Session;
  /** The live session with this id, or undefined (unknown, or expired and dropped). */
  get(id: string | undefined): Session | undefined;
  destroy(id: string): void;
  /** Ends every session of `user` (its password changed or it was removed). */
  destroyUser(user: string): void;
}

/** A session store whose sessions last `ttlMs` from sign-in; `now` is the clock (epoch ms). */
export function createSessionStore(ttlMs: number, now: () => number = Date.now): SessionStore {
  const sessions = new Map<string, Session>();
  return {
    create: (user, role, tenant) => {
      const session = { id: randomBytes(32).toString('base64url'), user, role, tenant, expiresAt: now() + ttlMs };
      sessions.set(session.id, session);
      return session;
    },
    get: (id) => {
      if (id === undefined) return undefined;
      const s = sessions.get(id);
      if (s === undefined) return undefined;
      if (s.expiresAt <= now()) {
        sessions.delete(id);
        return undefined;
      }
      return s;
    },
    destroy: (id) => {
      sessions.delete(id);
    },
    destroyUser: (user) => {
      for (const [id, s] of sessions) if (s.user === user) sessions.delete(id);
    },
  };
}
