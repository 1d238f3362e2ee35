import type { Bus } from '@relay/bus';
import type { Logger } from '@relay/observability';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SignInBackoff } from './backoff.js';
import type { ServiceHealth } from './service-health.js';
import type { Session, SessionStore } from './sessions.js';
import type { TenantBuses } from './tenants.js';
import type { UsersFile } from './users-file.js';

/** What the console's HTTP app is built from. */
export interface ConsoleAppDeps {
  readonly usersFile: string;
  readonly secureCookies: boolean;
  readonly sessionTtlMs: number;
  /** The console's own connection: health and the sign-in audit. */
  readonly bus: Bus;
  readonly tenants: TenantBuses;
  readonly sessions: SessionStore;
  readonly backoff: SignInBackoff;
  readonly logger: Logger;
  /** Folder with `pages/` (served only as routes) and `assets/` (scripts, styles, map data). */
  readonly publicDir: string;
  /** Folder of the built assets (map code and data), served as `/assets/gen/`. */
  readonly webBuildDir: string;
  /** Sign-in attempts by outcome (`ok`, `failed`, `backoff`): a rising `failed` is someone guessing. */
  readonly signIns: { inc(labels: { outcome: 'ok' | 'failed' | 'backoff' }): void };
  /** Whether the console is ready (NATS connected). */
  readonly healthy: () => boolean;
  /** The last `/healthz` check of each service of `RELAY_CONSOLE_SERVICES`, for operators. */
  readonly watchedServices: () => readonly ServiceHealth[];
  /** How often the users file is checked between requests, ms (default 2 s). */
  readonly usersCheckMs?: number;
}

/** The routes' view of the app: its deps and the session helpers. */
export interface ConsoleRoutes extends ConsoleAppDeps {
  readonly app: FastifyInstance;
  readonly cookieName: string;
  /** The users file, re-read when it changed: sign-in looks people up in it. */
  readonly users: UsersFile;
  /**
   * The caller's session, if the users file still holds its account unchanged; answers 401 and
   * returns undefined without one.
   */
  session(req: FastifyRequest, reply: FastifyReply): Promise<Session | undefined>;
}
