import { describe, expect, it } from 'vitest';
import { configFromEnv } from './index.js';

describe('dispatcher configuration', () => {
  it('reads durations and defaults: 15 min rechecks, ops port 9103', () => {
    const c = configFromEnv({ NATS_URL: 'nats://127.0.0.1:4222' });
    expect(c.settings.recheckIntervalMs).toBe(15 * 60_000);
    expect(c.opsPort).toBe(9103);
    expect(configFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_RECHECK_INTERVAL: '2s' }).settings).toMatchObject({ recheckIntervalMs: 2_000, tickMs: 100 });
  });

  it('names the variable of a bad setting', () => {
    expect(() => configFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_RECHECK_INTERVAL: 'soon' })).toThrow(/RELAY_RECHECK_INTERVAL: must be a duration/);
    expect(() => configFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DISPATCHER_CONCURRENCY: '0' })).toThrow(/RELAY_DISPATCHER_CONCURRENCY/);
  });
});
