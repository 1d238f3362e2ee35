import { describeConsoleRole, tenantOfRole, verifyConsolePassword } from '@relay/accounts';
import { z } from 'zod';
import { auditConsole, CONSOLE_ACTOR, ConsoleAction } from './audit.js';
import type { ConsoleRoutes } from './routes.js';
import { accountFingerprint } from './users-file.js';

const signInBody = z.object({ user: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict();

/** A stored hash nobody's password matches: an unknown user costs the same scrypt as a known one. */
const DECOY = { scheme: 'scrypt', N: 1 << 15, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==', hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' } as const;

/** Sign-in with backoff per account and per address, sign-out, who am I, and the CSRF token. */
export function registerSignInRoutes(r: ConsoleRoutes): void {
  const { app } = r;
  app.get('/api/csrf', (_req, reply) => reply.send({ token: reply.generateCsrf() }));

  app.post('/api/sign-in', async (req, reply) => {
    const body = signInBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ error: 'user and password are required', issues: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    const { user, password } = body.data;
    const keys = [`user:${user}`, `address:${req.ip}`];
    const wait = r.backoff.waitMs(keys);
    if (wait > 0) {
      r.signIns.inc({ outcome: 'backoff' });
      r.logger.warn({ user, address: req.ip, waitMs: wait }, 'sign-in attempt during backoff: not checked');
      return reply.code(429).header('retry-after', String(Math.ceil(wait / 1000))).send({ error: `too many failed sign-ins: try again in ${Math.ceil(wait / 1000)} s` });
    }
    const users = await r.users.read();
    // Fail closed: a users file that is not valid lets nobody in (the console logged why).
    if (!users.ok) return reply.code(503).send({ error: 'sign-in is unavailable: the console users file is invalid' });
    const account = users.users.get(user);
    const ok = await verifyConsolePassword(account?.password ?? DECOY, password);
    if (account === undefined || !ok) {
      r.signIns.inc({ outcome: 'failed' });
      r.backoff.failed(keys);
      await auditConsole(r.bus, CONSOLE_ACTOR, { action: ConsoleAction.SignInFailed, person: user, target: `console-user:${user}`, reason: 'wrong user or password', address: req.ip });
      return reply.code(401).send({ error: 'wrong user or password' });
    }
    r.backoff.succeeded([`user:${user}`]);
    const tenant = tenantOfRole(account.role);
    // The tenant's connection is the only way in: no connection, no session.
    await r.tenants.of(account.role);
    await auditConsole(r.bus, CONSOLE_ACTOR, {
      action: ConsoleAction.SignIn,
      person: user,
      target: `console-user:${user}`,
      reason: 'signed in with password',
      address: req.ip,
      details: { role: describeConsoleRole(account.role), tenant },
    });
    const session = r.sessions.create({ user, role: account.role, tenant, account: accountFingerprint(account), address: req.ip });
    r.signIns.inc({ outcome: 'ok' });
    void reply.setCookie(r.cookieName, session.id, { path: '/', httpOnly: true, sameSite: 'strict', secure: r.secureCookies, maxAge: Math.floor(r.sessionTtlMs / 1000) });
    return reply.send({ user, role: account.role, tenant });
  });

  app.post('/api/sign-out', async (req, reply) => {
    const session = await r.session(req, reply);
    if (session === undefined) return reply;
    await auditConsole(r.bus, CONSOLE_ACTOR, { action: ConsoleAction.SignOut, person: session.user, target: `console-user:${session.user}`, reason: 'signed out', address: req.ip });
    // Its live feeds hear the end and close.
    r.sessions.destroy(session.id, 'signed out');
    void reply.clearCookie(r.cookieName, { path: '/' });
    return reply.send({ ok: true });
  });

  app.get('/api/me', async (req, reply) => {
    const session = await r.session(req, reply);
    if (session === undefined) return reply;
    return reply.send({ user: session.user, role: session.role, tenant: session.tenant, csrf: reply.generateCsrf() });
  });
}
