import { describe, expect, it } from 'vitest';
import { busConfigFromEnv, ConfigError } from './index.js';

describe('busConfigFromEnv', () => {
  it('reads a server list and defaults', () => {
    const c = busConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4300, nats://127.0.0.1:4301' }, 'gateway');
    expect(c.servers).toEqual(['nats://127.0.0.1:4300', 'nats://127.0.0.1:4301']);
    expect(c.name).toBe('gateway');
    expect(c.replicas).toBe(1);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    [{}, /NATS_URL/],
    [{ NATS_URL: 'http://127.0.0.1:4222' }, /NATS_URL: must be one or more/],
    [{ NATS_URL: 'nats://127.0.0.1:4222', RELAY_REPLICAS: '2' }, /RELAY_REPLICAS/],
    [{ NATS_URL: 'nats://127.0.0.1:4222', NATS_CREDS: '/nonexistent.creds' }, /NATS_CREDS: cannot read \/nonexistent.creds/],
    [{ NATS_URL: 'nats://127.0.0.1:4222', NATS_TLS_CERT: '/x.pem' }, /NATS_TLS_CERT and NATS_TLS_KEY/],
  ])('names the bad variable in %j', (env, message) => {
    expect(() => busConfigFromEnv(env, 'x')).toThrow(ConfigError);
    expect(() => busConfigFromEnv(env, 'x')).toThrow(message);
  });
});
