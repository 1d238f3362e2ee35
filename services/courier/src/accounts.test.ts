// The courier's NATS user, as `relay accounts generate` makes it, on a real nats-server running
// the generated accounts: it can deliver a webhook hotline's referrals and notices, and every other
// attempt below is refused by the server itself (permissions violations), not by a client check.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection, nkeyAuthenticator, PermissionViolationError } from '@nats-io/transport-node';
import { type GeneratedUser, generateAccounts, type Tenants } from '@relay/accounts';
import { type Bus, busConfigFromEnv, connectBus, consumerLag, ensureTenantConsumers, ensureTopology, publishMessage } from '@relay/bus';
import { tenantsOf } from '@relay/directory';
import { createLogger } from '@relay/observability';
import { devDirectory } from '@relay/testing';
import { type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { exampleMessage, RelayType, StreamName, subjects } from '@relay/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsFolder } from '../test/courier.js';
import { startReceiver } from '../test/receiver.js';
import { runCourier } from './index.js';

// eokm receives by webhook; iwf, fsm and every other tenant over NATS.
const TENANTS: Tenants = { ...tenantsOf(devDirectory()), webhookHotlines: ['eokm'], operators: [] };
const generated = generateAccounts(TENANTS, new Map(), { generateTenantKeys: true });
const user = (name: string): GeneratedUser => {
  const u = generated.users.find((x) => x.name === name);
  if (!u) throw new Error(`no user ${name}`);
  return u;
};

let server: NatsServer;
const buses: Bus[] = [];
const raw: NatsConnection[] = [];

async function busAs(name: string): Promise<Bus> {
  const u = user(name);
  const dir = await mkdtemp(join(tmpdir(), 'courier-seed-'));
  await writeFile(join(dir, 'seed.nk'), u.seed, { mode: 0o600 });
  const signing = u.signingKey ? { RELAY_SIGNING_KEY_FILE: join(dir, 'signing.nk') } : {};
  if (u.signingKey) await writeFile(join(dir, 'signing.nk'), u.signingKey.seed, { mode: 0o600 });
  const bus = await connectBus(
    busConfigFromEnv({ NATS_URL: server.url, NATS_NKEY_SEED_FILE: join(dir, 'seed.nk'), NATS_INBOX_PREFIX: u.inboxPrefix, ...signing }, name),
  );
  buses.push(bus);
  return bus;
}

beforeAll(async () => {
  server = await startNatsServer({ extraConfig: generated.config }, { ...process.env, NATS_URL: '' });
  const admin = await busAs('admin');
  await ensureTopology(admin, { replicas: 1 });
  await ensureTenantConsumers(admin, TENANTS);
});
afterAll(async () => {
  await Promise.all(raw.map((nc) => nc.close()));
  await Promise.all(buses.map((b) => b.close()));
  await server?.dispose();
});

describe('the courier user of the generated accounts', () => {
  it('is generated as a service user with a login and a separate signing key', () => {
    const courier = user('courier');
    expect(courier.role).toBe('service');
    expect(courier.signingKey?.publicKey).toBeDefined();
    expect(courier.signingKey?.publicKey).not.toBe(courier.publicKey);
  });

  it('delivers a webhook hotline referral and acks it, running as itself', async () => {
    const dispatcher = await busAs('dispatcher');
    await publishMessage(dispatcher, subjects.referral('NL', 'eokm'), RelayType.Referral, { ...exampleMessage(RelayType.Referral), id: 'ref_acc_1', caseId: 'case_acc_1', hotline: 'eokm' }, {
      msgId: 'dispatcher:ref_acc_1',
      origin: 'dispatcher',
    });
    const signingKey = user('dispatcher').signingKey?.publicKey ?? '';
    const { dir, ref, secret } = secretsFolder();
    const rx = await startReceiver(secret);
    const bus = await busAs('courier');
    const courier = runCourier({
      bus,
      secretsDir: dir,
      limits: { connectTimeoutMs: 1_000, totalTimeoutMs: 3_000, maxResponseBytes: 1_024 },
      retry: { initialMs: 50, maxDelayMs: 200, maxAgeMs: 60_000 },
      breaker: { failures: 5, openMs: 200 },
      provenance: { signers: { version: 1, signers: { dispatcher: [{ key: signingKey }] }, maxClockSkewMs: 300_000 } },
      log: createLogger('courier', 'silent'),
    });
    await courier.apply([{ hotline: 'eokm', country: 'NL', delivery: { kind: 'webhook', url: rx.url, secretRef: ref, allowPrivate: true } }]);
    expect(courier.running()).toBe(true);
    await waitFor(() => rx.requests.some((r) => r.id === 'ref_acc_1' && r.status < 300), { what: 'the referral to be POSTed' });
    await courier.stop();
    await rx.close();
    const admin = await busAs('admin');
    expect(await consumerLag(admin, StreamName.Referrals, 'hotline-eokm')).toMatchObject({ pending: 0, ackPending: 0 });
  });

  it('may not read another hotline, publish a referral, notice or status, touch a stream or a consumer, or read what is not its own', async () => {
    const u = user('courier');
    const nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(u.seed)), inboxPrefix: u.inboxPrefix });
    raw.push(nc);
    const violations: PermissionViolationError[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error' && s.error instanceof PermissionViolationError) violations.push(s.error);
    })();
    const publishes = [
      '$JS.API.CONSUMER.MSG.NEXT.REFERRALS.hotline-iwf',
      '$JS.API.CONSUMER.MSG.NEXT.NOTICES.hotline-iwf-notices',
      '$JS.API.CONSUMER.MSG.NEXT.NOTICES.police-nl',
      '$JS.API.CONSUMER.CREATE.REFERRALS.hotline-eokm',
      '$JS.API.CONSUMER.DURABLE.CREATE.REFERRALS.spy',
      '$JS.API.CONSUMER.DELETE.REFERRALS.hotline-eokm',
      '$JS.API.STREAM.PURGE.REFERRALS',
      '$JS.API.STREAM.DELETE.DLQ',
      '$JS.API.STREAM.MSG.GET.REFERRALS',
      subjects.referral('NL', 'eokm'),
      subjects.status('eokm'),
      subjects.dlq('dispatcher'),
      'relay.report.ncmec',
      '$KV.relay-directory.directory',
    ];
    const subscriptions = ['relay.>', '_INBOX.hotline.hotline-eokm.>', '$JS.ACK.REFERRALS.hotline-iwf.>'];
    const closed = subscriptions.map((s) => nc.subscribe(s).closed);
    for (const s of publishes) nc.publish(s, new Uint8Array());
    await waitFor(() => publishes.every((s) => violations.some((v) => v.operation === 'publish' && v.subject === s)), { what: 'every publish to be denied' });
    const results = await Promise.all(closed);
    results.forEach((r, i) => expect(r, subscriptions[i]).toBeInstanceOf(PermissionViolationError));
    // What it needs is not refused: its own DLQ subject and eokm's consumers.
    const allowed = [subjects.dlq('courier'), '$JS.API.CONSUMER.INFO.REFERRALS.hotline-eokm', '$JS.API.CONSUMER.INFO.NOTICES.hotline-eokm-notices'];
    for (const s of allowed) nc.publish(s, new Uint8Array());
    // A probe the server refuses is reported before the answer to a later round trip.
    await nc.flush();
    expect(violations.filter((v) => allowed.includes(v.subject))).toEqual([]);
  });
});
