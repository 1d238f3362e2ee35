import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDirectoryKey } from '@relay/directory';
import { dispatcherConfigFromEnv } from './index.js';

const PINNED = generateDirectoryKey().publicKey;

describe('dispatcher configuration', () => {
  it('reads durations and defaults: 15 min rechecks, ops port 9103', () => {
    const c = dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: PINNED });
    expect(c.settings.recheckIntervalMs).toBe(15 * 60_000);
    expect(c.opsPort).toBe(9103);
    expect(dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: PINNED, RELAY_RECHECK_INTERVAL: '2s' }).settings).toMatchObject({ recheckIntervalMs: 2_000, tickMs: 100 });
  });

  it('names the variable of a bad setting', () => {
    expect(() => dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: PINNED, RELAY_RECHECK_INTERVAL: 'soon' })).toThrow(/RELAY_RECHECK_INTERVAL: must be a duration/);
    expect(() => dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: PINNED, RELAY_DISPATCHER_CONCURRENCY: '0' })).toThrow(/RELAY_DISPATCHER_CONCURRENCY/);
    // RELAY_OPS_PORT= (set but empty) is refused rather than read as port 0.
    expect(() => dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: PINNED, RELAY_OPS_PORT: '' })).toThrow(/RELAY_OPS_PORT: must be a port number/);
    expect(dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: PINNED, RELAY_OPS_PORT: '9200' }).opsPort).toBe(9200);
  });

  it('serves /healthz and /metrics on loopback unless RELAY_OPS_HOST says otherwise (a pod sets 0.0.0.0 for its probes)', () => {
    expect(dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: PINNED }).opsHost).toBe('127.0.0.1');
    expect(dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: PINNED, RELAY_OPS_HOST: '0.0.0.0' }).opsHost).toBe('0.0.0.0');
  });
});

describe('the pinned directory key (decisions 0110, 0111)', () => {
  it('is required: without one the dispatcher does not start', () => {
    expect(() => dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222' })).toThrow(/RELAY_DIRECTORY_KEY: is required: the public directory key/);
    expect(() => dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: 'OABC' })).toThrow(/RELAY_DIRECTORY_KEY.0: must be a public operator nkey/);
  });

  it('takes several, comma-separated, while a key is rotated', () => {
    const next = generateDirectoryKey().publicKey;
    expect(dispatcherConfigFromEnv({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: `${PINNED}, ${next}` }).directoryKey).toEqual([PINNED, next]);
  });
});

describe('dispatcher retention settings', () => {
  it('anonymises only with both a period and a key of at least 32 bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relay-anon-'));
    await writeFile(join(dir, 'good.key'), 'k'.repeat(32));
    await writeFile(join(dir, 'short.key'), 'too short');
    const base = { NATS_URL: 'nats://127.0.0.1:4222', RELAY_DIRECTORY_KEY: PINNED };
    expect(dispatcherConfigFromEnv(base).retention).toBeUndefined();
    expect(dispatcherConfigFromEnv({ ...base, RELAY_ANONYMISE_AFTER: '180d', RELAY_ANONYMISE_KEY_FILE: join(dir, 'good.key') }).retention).toMatchObject({
      afterMs: 180 * 24 * 3_600_000,
      intervalMs: 3_600_000,
    });
    // The key file's content without surrounding whitespace, as `relay retention apply` reads it: both give the same tokens.
    await writeFile(join(dir, 'newline.key'), `${'k'.repeat(32)}\n`);
    expect(dispatcherConfigFromEnv({ ...base, RELAY_ANONYMISE_AFTER: '180d', RELAY_ANONYMISE_KEY_FILE: join(dir, 'newline.key') }).retention?.key).toEqual(
      new TextEncoder().encode('k'.repeat(32)),
    );
    expect(() => dispatcherConfigFromEnv({ ...base, RELAY_ANONYMISE_AFTER: '180d' })).toThrow(/set both/);
    expect(() => dispatcherConfigFromEnv({ ...base, RELAY_ANONYMISE_AFTER: '180d', RELAY_ANONYMISE_KEY_FILE: join(dir, 'short.key') })).toThrow(/at least 32 bytes/);
    expect(() => dispatcherConfigFromEnv({ ...base, RELAY_ANONYMISE_AFTER: 'someday', RELAY_ANONYMISE_KEY_FILE: join(dir, 'good.key') })).toThrow(/RELAY_ANONYMISE_AFTER/);
  });
});
