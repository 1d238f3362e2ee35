import { generateDirectoryKey } from '@relay/directory';
import { describe, expect, it } from 'vitest';
import { watchConfigFromEnv } from './index.js';

const K = { NATS_URL: 'nats://127.0.0.1:4999', RELAY_DIRECTORY_KEY: generateDirectoryKey().publicKey };

describe('watch settings', () => {
  it('serves /healthz and /metrics on loopback port 9105 unless told otherwise (a pod sets RELAY_OPS_HOST=0.0.0.0 for its probes)', () => {
    expect(watchConfigFromEnv(K)).toMatchObject({ opsHost: '127.0.0.1', opsPort: 9105 });
    expect(watchConfigFromEnv({ ...K, RELAY_OPS_HOST: '0.0.0.0' }).opsHost).toBe('0.0.0.0');
  });

  it('refuses an empty ops host, naming the variable', () => {
    expect(() => watchConfigFromEnv({ ...K, RELAY_OPS_HOST: '' })).toThrow(/RELAY_OPS_HOST: must be a host name or address/);
  });
});
