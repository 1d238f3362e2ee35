import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isConfigError } from '@relay/bus';
import { DEMO_KEYS, DEV_SOURCES_FILE } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import { createKeyring } from './auth.js';
import { gatewayConfigFromEnv } from './config.js';
import { hashKey, loadSources, parseSources } from './sources.js';

const NATS_URL = 'nats://127.0.0.1:4999';

function configError(env: Record<string, string>): string {
  try {
    gatewayConfigFromEnv(env);
  } catch (err) {
    if (isConfigError(err)) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway settings', () => {
  it('reads the defaults: port 8080 and ops port 9101 on loopback, 1 MiB bodies, 1200 reports per minute, bounded waits', () => {
    const c = gatewayConfigFromEnv({ NATS_URL, RELAY_SOURCES_FILE: DEV_SOURCES_FILE });
    expect(c).toMatchObject({
      httpPort: 8080,
      httpHost: '127.0.0.1',
      opsPort: 9101,
      opsHost: '127.0.0.1',
      httpTimeouts: { headersMs: 10_000, requestMs: 30_000, idleMs: 120_000, keepAliveMs: 72_000 },
      bodyLimitBytes: 1_048_576,
      rateLimitPerMinute: 1200,
      logLevel: 'info',
    });
    expect(c.sources.sources.map((s) => s.id)).toEqual(['ncmec', 'eokm', 'iwf']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names every bad variable and its rule', () => {
    const message = configError({ NATS_URL: 'http://x', RELAY_HTTP_PORT: 'eighty', RELAY_BODY_LIMIT: '10' });
    expect(message).toMatch(/RELAY_SOURCES_FILE: is required/);
    expect(message).toMatch(/RELAY_HTTP_PORT: must be a port number/);
    expect(message).toMatch(/RELAY_BODY_LIMIT: .*1024/);
    expect(message).toMatch(/NATS_URL: must be one or more/);
    expect(configError({ NATS_URL: 'nats://127.0.0.1:4222', RELAY_OPS_PORT: '' })).toMatch(/RELAY_OPS_PORT: must be a port number/);
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    const message = configError({ NATS_URL, RELAY_SOURCES_FILE: DEV_SOURCES_FILE, RELAY_HTTP_HEADERS_TIMEOUT_MS: '20000', RELAY_HTTP_REQUEST_TIMEOUT_MS: '10000' });
    expect(message).toMatch(/RELAY_HTTP_HEADERS_TIMEOUT_MS: must not exceed RELAY_HTTP_REQUEST_TIMEOUT_MS/);
  });

  it('refuses a sources file that cannot be read', () => {
    expect(configError({ NATS_URL, RELAY_SOURCES_FILE: '/nonexistent/sources.json' })).toMatch(/RELAY_SOURCES_FILE: cannot read/);
  });
});

describe('the sources file', () => {
  it('lists the demo sources whose keys the README gives', () => {
    const keyring = createKeyring(loadSources(DEV_SOURCES_FILE));
    for (const [source, key] of Object.entries(DEMO_KEYS)) expect(keyring.authenticate(`Bearer ${key}`)).toEqual({ ok: true, source });
  });

  it('refuses wildcard or dotted source ids, keys in the clear, and a key shared by two sources', () => {
    const k = hashKey('a-key-of-sixteen-chars');
    const bad = (document: unknown): string => {
      try {
        parseSources(document);
      } catch (err) {
        if (isConfigError(err)) return err.message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad({ sources: [{ id: 'relay.*', keySha256: [k] }] })).toMatch(/sources\.0\.id: .*must be 1-64 characters/);
    expect(bad({ sources: [{ id: 'ncmec', keySha256: ['plain-text-key'] }] })).toMatch(/sources\.0\.keySha256\.0: must be the SHA-256/);
    expect(bad({ sources: [{ id: 'a', keySha256: [k] }, { id: 'b', keySha256: [k] }] })).toMatch(/sources\.1\.keySha256\.0: a key may belong to one source only/);
    expect(bad({ sources: [{ id: 'a', keySha256: [k], admin: true }] })).toMatch(/Unrecognized key/);
  });

  it('names the hotline a source may send statuses for: a hotline id, one source each (decision 0130)', () => {
    const k = (s: string): string => hashKey(`a-key-of-sixteen-chars-${s}`);
    const keyring = createKeyring(loadSources(DEV_SOURCES_FILE));
    expect([keyring.hotlineOf('eokm'), keyring.hotlineOf('iwf'), keyring.hotlineOf('ncmec')]).toEqual(['eokm', 'iwf', undefined]);
    expect(() => parseSources({ sources: [{ id: 'a', keySha256: [k('a')], hotline: 'relay.>' }] })).toThrow(/sources\.0\.hotline: /);
    expect(() => parseSources({ sources: [{ id: 'a', keySha256: [k('a')], hotline: 'eokm' }, { id: 'b', keySha256: [k('b')], hotline: 'eokm' }] })).toThrow(
      /sources\.1\.hotline: hotline eokm is already another source's/,
    );
  });

  it('answers 403 for a disabled source and 401 for anything that is not a known Bearer key', () => {
    const keyring = createKeyring(parseSources({ sources: [{ id: 'old-hotline', keySha256: [hashKey('retired-key-0123456789')], disabled: true }] }));
    expect(keyring.authenticate('Bearer retired-key-0123456789')).toMatchObject({ ok: false, problem: { status: 403, rule: 'forbidden' } });
    for (const header of [undefined, '', 'Bearer', 'Bearer short', 'bearer retired-key-0123456789x', `Bearer ${'x'.repeat(600)}`, 'Bearer a b c d e f g h i j k l']) {
      expect(keyring.authenticate(header)).toMatchObject({ ok: false, problem: { status: 401, rule: 'unauthenticated' } });
    }
  });
});

describe('main', () => {
  it('exits with code 2 and names the variable when a setting is bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-main-'));
    const sources = join(dir, 'sources.json');
    writeFileSync(sources, '{"sources": []}');
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--conditions=@relay/source', '--import', 'tsx', main], {
      env: { PATH: process.env['PATH'] ?? '', NATS_URL, RELAY_SOURCES_FILE: sources },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/RELAY_SOURCES_FILE .*sources: Too small/);
  });
});
