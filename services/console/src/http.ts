import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { auditConsole, CONSOLE_ACTOR, ConsoleAction } from './audit.js';
import { registerCaseRoutes } from './routes-cases.js';
import { registerDeadlineRoutes } from './routes-deadlines.js';
import { registerFeedRoutes } from './routes-feed.js';
import { registerOperatorRoutes } from './routes-operator.js';
import { registerSignInRoutes } from './routes-sign-in.js';
import type { ConsoleAppDeps, ConsoleRoutes } from './routes.js';
import { createSessionGuard } from './session-guard.js';
import { createUsersFile } from './users-file.js';

/** The pages' Content-Security-Policy: nothing but the console itself, no inline script, no framing. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/**
 * The console's web app: the pages, their JSON API and the live feed. Every
 * page and API but sign-in needs a session; every request that changes
 * anything needs the CSRF token (header `x-csrf-token`).
 */
export async function createConsoleApp(deps: ConsoleAppDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, trustProxy: false, bodyLimit: 16 * 1024 });
  const cookieName = deps.secureCookies ? '__Host-relay-console' : 'relay-console';
  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, {
    cookieKey: deps.secureCookies ? '__Host-relay-csrf' : 'relay-csrf',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: deps.secureCookies },
  });
  await app.register(fastifyStatic, { root: deps.webBuildDir, prefix: '/assets/gen/', decorateReply: false, index: false });
  await app.register(fastifyStatic, { root: join(deps.publicDir, 'assets'), prefix: '/assets/', decorateReply: false, index: false });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-store');
    return payload;
  });
  // Every state-changing request carries the CSRF token, sign-in included (login CSRF).
  app.addHook('onRequest', (req, reply, done) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      done();
      return;
    }
    app.csrfProtection(req, reply, done);
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) deps.logger.error({ err }, 'console request failed');
    void reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message });
  });

  const page = (name: string): string => readFileSync(join(deps.publicDir, 'pages', name), 'utf8');
  const users = createUsersFile(deps.usersFile, deps.logger);
  // The CLI edits the users file while the console runs: a removed user, a new password or role ends the sessions (decision 0148).
  const guard = createSessionGuard({
    users,
    sessions: deps.sessions,
    logger: deps.logger,
    onEnded: ({ session, reason }) => {
      const entry = { action: ConsoleAction.SessionEnded, person: session.user, target: `console-user:${session.user}`, reason, address: session.address };
      auditConsole(deps.bus, CONSOLE_ACTOR, entry).catch((err: unknown) => deps.logger.error({ err, user: session.user }, 'console session end not audited'));
    },
  });
  const stopGuard = guard.start(deps.usersCheckMs);
  app.addHook('onClose', (_app, done) => {
    stopGuard();
    done();
  });
  const routes: ConsoleRoutes = {
    ...deps,
    app,
    cookieName,
    users,
    session: async (req, reply) => {
      const s = await guard.session(req.cookies[cookieName]);
      if (s === undefined) void reply.code(401).send({ error: 'sign in first' });
      return s;
    },
  };

  app.get('/healthz', (_req, reply) => reply.code(deps.healthy() ? 200 : 503).send({ status: deps.healthy() ? 'ok' : 'unavailable' }));
  app.get('/sign-in', (_req, reply) => reply.type('text/html; charset=utf-8').send(page('sign-in.html')));
  app.get('/', async (req, reply) => {
    if ((await guard.session(req.cookies[cookieName])) === undefined) return reply.redirect('/sign-in');
    return reply.type('text/html; charset=utf-8').send(page('console.html'));
  });
  registerSignInRoutes(routes);
  registerFeedRoutes(routes);
  registerCaseRoutes(routes);
  registerDeadlineRoutes(routes);
  registerOperatorRoutes(routes);
  return app;
}
