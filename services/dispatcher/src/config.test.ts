import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatcherConfigFromEnv } from './index.js';

describe('dispatcher configuration', () => {
  it('reads durations and defaults: 15 min rechecks, ops port 9103', () => {
    const c = dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222' });
    expect(c.settings.recheckIntervalMs).toBe(15 * 60_000);
    expect(c.opsPort).toBe(9103);
    expect(dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_RECHECK_INTERVAL: '2s' }).settings).toMatchObject({ recheckIntervalMs: 2_000, tickMs: 100 });
  });

  it('names the variable of a bad setting', () => {
    expect(() => dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_RECHECK_INTERVAL: 'soon' })).toThrow(/RELAY_RECHECK_INTERVAL: must be a duration/);
    expect(() => dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DISPATCHER_CONCURRENCY: '0' })).toThrow(/RELAY_DISPATCHER_CONCURRENCY/);
    // RELAY_OPS_PORT= (set but empty) is refused rather than read as port 0.
    expect(() => dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_OPS_PORT: '' })).toThrow(/RELAY_OPS_PORT: must be a port number/);
    expect(dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_OPS_PORT: '9200' }).opsPort).toBe(9200);
  });
});

describe('dispatcher retention settings', () => {
  it('anonymises only with both a period and a key of at least 32 bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-anon-'));
    await writeFile(join(dir, 'good.key'), 'k'.repeat(32));
    await writeFile(join(dir, 'short.key'), 'too short');
    const base = { NATS_URL: 'nats://127.0.0.1:4222' };
    expect(dispatcherConfigFromEnv(base).retention).toBeUndefined();
    expect(dispatcherConfigFromEnv({ ...base, RELAY_ANONYMISE_AFTER: '180d', RELAY_ANONYMISE_KEY_FILE: join(dir, 'good.key') }).retention).toMatchObject({
      afterMs: 180 * 24 * 3_600_000,
      intervalMs: 3_600_000,
    });
    expect(() => dispatcherConfigFromEnv({ ...base, RELAY_ANONYMISE_AFTER: '180d' })).toThrow(/set both/);
    expect(() => dispatcherConfigFromEnv({ ...base, RELAY_ANONYMISE_AFTER: '180d', RELAY_ANONYMISE_KEY_FILE: join(dir, 'short.key') })).toThrow(/at least 32 bytes/);
    expect(() => dispatcherConfigFromEnv({ ...base, RELAY_ANONYMISE_AFTER: 'someday', RELAY_ANONYMISE_KEY_FILE: join(dir, 'good.key') })).toThrow(/RELAY_ANONYMISE_AFTER/);
  });
});
