import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@relay/observability';
import { startRelay, type TestRelay } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, writeUsers } from '../test/console.js';
import { createSignInBackoff } from './backoff.js';
import { consoleConfigFromEnv } from './config.js';
import { createConsoleApp } from './http.js';
import { PUBLIC_DIR, WEB_BUILD_DIR } from './service.js';
import { createSessionStore } from './sessions.js';
import { createTenantBuses } from './tenants.js';

describe('the session cookie outside loopback', () => {
  let relay: TestRelay;
  let dir: string;
  beforeAll(async () => {
    relay = await startRelay();
    dir = await mkdtemp(join(tmpdir(), 'relay-console-'));
  });
  afterAll(async () => {
    await relay?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('is Secure with the __Host- prefix whenever the console listens beyond loopback', async () => {
    const usersFile = join(dir, 'users.json');
    await writeUsers(usersFile, { anna: { kind: 'hotline', hotline: 'eokm' } });
    const env = { NATS_URL: relay.server.url, RELAY_CONSOLE_USERS_FILE: usersFile };
    expect(consoleConfigFromEnv(env).secureCookies).toBe(false);
    const config = consoleConfigFromEnv({ ...env, RELAY_HTTP_HOST: '0.0.0.0' });
    expect(config.secureCookies).toBe(true);
    const tenants = createTenantBuses(config.bus, undefined);
    const app = await createConsoleApp({
      usersFile,
      secureCookies: config.secureCookies,
      sessionTtlMs: config.sessionTtlMs,
      bus: relay.bus,
      tenants,
      sessions: createSessionStore(config.sessionTtlMs),
      backoff: createSignInBackoff(),
      logger: createLogger('console', 'silent'),
      publicDir: PUBLIC_DIR,
      webBuildDir: WEB_BUILD_DIR,
      healthy: () => true,
      watchedServices: () => [],
      signIns: { inc: () => undefined },
    });
    try {
      const token = await app.inject({ method: 'GET', url: '/api/csrf' });
      const csrfCookie = token.cookies.find((c) => c.name === '__Host-relay-csrf');
      expect(csrfCookie?.secure).toBe(true);
      const signIn = await app.inject({
        method: 'POST',
        url: '/api/sign-in',
        headers: { 'x-csrf-token': token.json<{ token: string }>().token },
        cookies: { '__Host-relay-csrf': csrfCookie?.value ?? '' },
        payload: { user: 'anna', password: PASSWORD },
      });
      expect(signIn.statusCode).toBe(200);
      const session = signIn.cookies.find((c) => c.name === '__Host-relay-console');
      expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
      expect(session?.domain).toBeUndefined();
    } finally {
      await app.close();
      await tenants.close();
    }
  });
});
