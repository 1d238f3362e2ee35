import { isConfigError } from '@relay/bus';
import { DEV_ZONE_FILE } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import { generateDirectoryKey } from '@relay/directory';
import { locatorConfigFromEnv } from './index.js';

const NATS_URL = 'nats://127.0.0.1:4999';
const PINNED = generateDirectoryKey().publicKey;
const K = { NATS_URL, RELAY_DIRECTORY_KEY: PINNED };

function issuesOf(env: Record<string, string | undefined>): string[] {
  try {
    locatorConfigFromEnv({ ...K, ...env });
  } catch (err) {
    if (isConfigError(err)) return [...err.issues];
    throw err;
  }
  return [];
}

describe('locator settings', () => {
  it('defaults to the system resolver, the embedded data and ops port 9102', () => {
    expect(locatorConfigFromEnv(K)).toEqual({
      bus: { servers: [NATS_URL], name: 'locator', replicas: 1 },
      dns: { kind: 'system', servers: [], timeoutMs: 2000 },
      opsPort: 9102,
      opsHost: '127.0.0.1',
      concurrency: 64,
      logLevel: 'info',
      directoryKey: [PINNED],
    });
  });

  it('serves /healthz and /metrics on RELAY_OPS_HOST (a pod sets 0.0.0.0 for its probes)', () => {
    expect(locatorConfigFromEnv({ ...K, RELAY_OPS_HOST: '0.0.0.0' }).opsHost).toBe('0.0.0.0');
  });

  it('requires the pinned directory key, one or several while rotating (decisions 0110, 0111)', () => {
    const next = generateDirectoryKey().publicKey;
    expect(issuesOf({ RELAY_DIRECTORY_KEY: undefined })).toEqual([expect.stringMatching(/^RELAY_DIRECTORY_KEY: is required: the public directory key/)]);
    expect(locatorConfigFromEnv({ ...K, RELAY_DIRECTORY_KEY: `${PINNED},${next}` }).directoryKey).toEqual([PINNED, next]);
    expect(issuesOf({ RELAY_DIRECTORY_KEY: `${PINNED},nope` })).toEqual(['RELAY_DIRECTORY_KEY.1: must be a public operator nkey (O...)']);
  });

  it('reads a static zone, name servers, a timeout and licensed databases', () => {
    const zone = DEV_ZONE_FILE;
    expect(locatorConfigFromEnv({ ...K, RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: zone, RELAY_GEO_ASN_DB: zone }).dns).toEqual({ kind: 'zone', zoneFile: zone });
    expect(locatorConfigFromEnv({ ...K, RELAY_DNS_SERVERS: '127.0.0.1:5353,[::1]:53', RELAY_DNS_TIMEOUT: '500ms' }).dns).toEqual({
      kind: 'system',
      servers: ['127.0.0.1:5353', '[::1]:53'],
      timeoutMs: 500,
    });
  });

  it('names every bad variable and the rule it broke', () => {
    expect(issuesOf({ RELAY_DNS: 'zone' })).toEqual(['RELAY_DNS_ZONE_FILE: is required when RELAY_DNS=zone']);
    expect(issuesOf({ RELAY_DNS: 'dig' })[0]).toMatch(/^RELAY_DNS: /);
    expect(issuesOf({ RELAY_GEO_COUNTRY_DB: '/nope/GeoIP2-Country.mmdb' })).toEqual(['RELAY_GEO_COUNTRY_DB: file does not exist']);
    expect(issuesOf({ RELAY_DNS_TIMEOUT: '2 minutes' })).toEqual(['RELAY_DNS_TIMEOUT: must be a duration like 500ms, 90s, 15m, 24h or 3d, above zero (got "2 minutes")']);
    expect(issuesOf({ NATS_URL: '' })[0]).toMatch(/^NATS_URL: /);
    expect(issuesOf({ RELAY_OPS_PORT: 'http' })[0]).toMatch(/^RELAY_OPS_PORT: /);
    // Set but empty is a mistake, not "pick a free port".
    for (const port of ['', ' ', '0x10', '1e3', '65536']) expect(issuesOf({ RELAY_OPS_PORT: port })[0]).toMatch(/^RELAY_OPS_PORT: must be a port number/);
    expect(locatorConfigFromEnv({ ...K, RELAY_OPS_PORT: '0' }).opsPort).toBe(0);
  });
});
