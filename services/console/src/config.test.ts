import { isConfigError } from '@relay/bus';
import { describe, expect, it } from 'vitest';
import { consoleConfigFromEnv } from './config.js';

const BASE = { NATS_URL: 'nats://127.0.0.1:4999', RELAY_CONSOLE_USERS_FILE: '/tmp/console-users.json' };

/** The lines of the ConfigError `env` gives. */
function configIssues(env: Record<string, string>): readonly string[] {
  try {
    consoleConfigFromEnv({ ...BASE, ...env });
  } catch (err) {
    if (isConfigError(err)) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('console settings: RELAY_CONSOLE_SERVICES', () => {
  it('watches nothing when unset or empty', () => {
    expect(consoleConfigFromEnv(BASE).watchedServices).toEqual([]);
    expect(consoleConfigFromEnv({ ...BASE, RELAY_CONSOLE_SERVICES: ' ' }).watchedServices).toEqual([]);
  });

  it('reads name=URL pairs in order, with /healthz under each base URL (a proxy prefix kept)', () => {
    const c = consoleConfigFromEnv({
      ...BASE,
      RELAY_CONSOLE_SERVICES: 'gateway=http://127.0.0.1:9101, locator=http://127.0.0.1:9102/,watch-eu=https://ops.relay.example/watch,',
    });
    expect(c.watchedServices).toEqual([
      { name: 'gateway', url: 'http://127.0.0.1:9101/', healthUrl: 'http://127.0.0.1:9101/healthz' },
      { name: 'locator', url: 'http://127.0.0.1:9102/', healthUrl: 'http://127.0.0.1:9102/healthz' },
      { name: 'watch-eu', url: 'https://ops.relay.example/watch/', healthUrl: 'https://ops.relay.example/watch/healthz' },
    ]);
  });

  it('refuses, naming the variable and the entry: no =, a bad name, a name twice, a URL that is not http(s)', () => {
    expect(configIssues({ RELAY_CONSOLE_SERVICES: 'http://127.0.0.1:9101' })).toEqual(['RELAY_CONSOLE_SERVICES: entry 1: must be name=URL (gateway=http://127.0.0.1:9101)']);
    expect(configIssues({ RELAY_CONSOLE_SERVICES: 'Gateway=http://127.0.0.1:9101' })).toEqual(['RELAY_CONSOLE_SERVICES: entry 1: the name must be lower case letters, digits and -, starting with a letter (at most 40)']);
    expect(configIssues({ RELAY_CONSOLE_SERVICES: '=http://127.0.0.1:9101' })[0]).toMatch(/the name must be/);
    expect(configIssues({ RELAY_CONSOLE_SERVICES: 'gateway=http://a:1,gateway=http://b:2' })).toEqual(['RELAY_CONSOLE_SERVICES: entry 2 (gateway): the name is given twice']);
    expect(configIssues({ RELAY_CONSOLE_SERVICES: 'gateway=ftp://127.0.0.1:9101' })[0]).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(configIssues({ RELAY_CONSOLE_SERVICES: 'gateway=127.0.0.1:9101' })[0]).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(configIssues({ RELAY_CONSOLE_SERVICES: 'gateway=' })[0]).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
  });

  it('refuses credentials (they would show on the page), a query and a fragment, and names every bad entry at once', () => {
    const credentials = configIssues({ RELAY_CONSOLE_SERVICES: 'gateway=http://ops:secret@127.0.0.1:9101' });
    expect(credentials).toEqual(['RELAY_CONSOLE_SERVICES: entry 1 (gateway): the URL must have no user, password, query or fragment']);
    expect(credentials.join('')).not.toContain('secret');
    expect(configIssues({ RELAY_CONSOLE_SERVICES: 'gateway=http://127.0.0.1:9101/?x=1' })[0]).toMatch(/no user, password, query or fragment/);
    expect(configIssues({ RELAY_CONSOLE_SERVICES: 'gateway=http://127.0.0.1:9101/#top' })[0]).toMatch(/no user, password, query or fragment/);
    expect(configIssues({ RELAY_CONSOLE_SERVICES: 'a=ftp://x,ok=http://127.0.0.1:1,B=http://y' })).toHaveLength(2);
  });
});
