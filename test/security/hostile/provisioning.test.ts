// Who may make the topology (issue 14, item 2): on a fresh server running the
// generated accounts, a runtime service cannot create a stream and says how to
// provision; `relay topology apply` as the admin identity provisions streams,
// buckets and tenant consumers, after which the service starts.
import { type NatsServer, startNatsServer, startService } from '@relay/testkit';
import { DEV_DIRECTORY_FILE, DEV_SOURCES_FILE } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, relayAs as runAs } from '../../e2e/harness/cli.js';
import { makeTestAccounts, type TestAccounts } from '../../e2e/harness/accounts.js';

let accounts: TestAccounts;
let server: NatsServer;

beforeAll(async () => {
  accounts = await makeTestAccounts();
  server = await startNatsServer({ extraConfig: accounts.generated.config }, { ...process.env, NATS_URL: '' });
});

afterAll(async () => {
  await server?.dispose();
  await accounts?.dispose();
});

async function relayAs(user: string, ...args: string[]): Promise<CliRun> {
  return runAs(accounts, server.url, user, args);
}

describe('provisioning under the generated accounts', () => {
  it('refuses a runtime service the streams it would create, and it says who must make them', async () => {
    const started = startService('gateway', { natsUrl: server.url, env: { ...accounts.envOf('gateway', server.url), RELAY_SOURCES_FILE: DEV_SOURCES_FILE }, readyTimeoutMs: 15_000 });
    const err = await started.then(
      async (p) => {
        await p.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(String(err)).toMatch(/may not create or change it .*relay topology apply/s);
    expect(server.violations().some((l) => l.includes('$JS.API.STREAM.CREATE.'))).toBe(true);
  });

  it('lets the admin identity provision, and not a tenant; then the service starts', async () => {
    const asTenant = await relayAs('hotline-eokm', 'topology', 'apply', '--directory', DEV_DIRECTORY_FILE, '--json');
    expect(asTenant.code).not.toBe(0);

    const asAdmin = await relayAs('admin', 'topology', 'apply', '--directory', DEV_DIRECTORY_FILE, '--json');
    expect(asAdmin.err).toBe('');
    expect(asAdmin.code).toBe(0);
    const applied = JSON.parse(asAdmin.out) as { streams: Record<string, string>; tenantConsumers: number };
    expect(applied.streams).toMatchObject({ REPORTS: 'created', REFERRALS: 'created', AUDIT: 'created', 'relay-cases': 'created' });
    expect(applied.tenantConsumers).toBeGreaterThan(100);

    const again = await relayAs('admin', 'topology', 'apply', '--directory', DEV_DIRECTORY_FILE, '--json');
    expect(Object.values((JSON.parse(again.out) as { streams: Record<string, string> }).streams).every((o) => o === 'unchanged')).toBe(true);

    const gateway = await startService('gateway', { natsUrl: server.url, env: { ...accounts.envOf('gateway', server.url), RELAY_SOURCES_FILE: DEV_SOURCES_FILE } });
    await gateway.stop();
  });
});
