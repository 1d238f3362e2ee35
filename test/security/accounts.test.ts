// Need to know, proved against a real nats-server running the generated
// accounts: every denial below is the server's permissions-violation error,
// not a client-side check. It acts as a hostile tenant would, so it uses the
// raw NATS client rather than libs/bus.
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GeneratedUser, generateAccounts, signingKeysOf, type Tenants } from '@relay/accounts';
import { exportSigners, generateDirectoryKey, Membership, openDirectory, signDirectory, tenantsOf } from '@relay/directory';
import { type Bus, busConfigFromEnv, connectBus, consumerLag, ensureTenantConsumers, ensureTopology, publishMessage, pullDeliveries, tenantConsumers } from '@relay/bus';
import { hotlineClient, policeClient } from '@relay/client';
import { DEFAULT_NATS_SERVER_BIN, type NatsServer, startNatsServer, waitFor } from '@relay/testkit';
import { connect, type NatsConnection, nkeyAuthenticator, PermissionViolationError } from '@nats-io/transport-node';
import { Audience, exampleMessage, NoticeKind, RelayType, StatusAction, StreamName, subjects } from '@relay/wire';
import { devDirectory } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every tenant of the dev directory: its confirmed hotlines (DE has three; the six whose INHOPE
// membership is unknown get no user), the fallback recipient, the police of every country with a
// hotline, and the Dutch authority.
const TENANTS: Tenants = { ...tenantsOf(devDirectory()), operators: ['alice'] };
const generated = generateAccounts(TENANTS, new Map(), { generateTenantKeys: true });
// The operator's directory key: the signer list is signed by it, and every tenant client pins it (decision 0111).
const DIRECTORY_KEY = generateDirectoryKey();
const provenance = { directoryKey: DIRECTORY_KEY.publicKey };
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
  const dir = await mkdtemp(join(tmpdir(), 'relay-seed-'));
  await writeFile(join(dir, 'seed.nk'), u.seed, { mode: 0o600 });
  const seed = join(dir, 'seed.nk');
  // Every user signs with its own signing key, apart from its login, as in production; the tenants' clients verify it.
  const signing = u.signingKey ? { RELAY_SIGNING_KEY_FILE: join(dir, 'signing.nk') } : {};
  if (u.signingKey) await writeFile(join(dir, 'signing.nk'), u.signingKey.seed, { mode: 0o600 });
  const bus = await connectBus(busConfigFromEnv({ NATS_URL: server.url, NATS_NKEY_SEED_FILE: seed, NATS_INBOX_PREFIX: u.inboxPrefix, ...signing }, name));
  buses.push(bus);
  return bus;
}

/** A raw connection as `name` that records every permissions violation the server reports. */
async function probeAs(name: string): Promise<{ violations: PermissionViolationError[]; nc: NatsConnection }> {
  const u = user(name);
  const nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(u.seed)), inboxPrefix: u.inboxPrefix });
  raw.push(nc);
  const violations: PermissionViolationError[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error' && s.error instanceof PermissionViolationError) violations.push(s.error);
  })();
  return { violations, nc };
}

async function expectPublishDenied(p: Awaited<ReturnType<typeof probeAs>>, subject: string): Promise<void> {
  await expectAllDenied(p, [subject], []);
}

async function expectSubscribeDenied(p: Awaited<ReturnType<typeof probeAs>>, subject: string): Promise<void> {
  await expectAllDenied(p, [], [subject]);
}

/** Tries every publish and subscription at once and waits for the server to refuse each one. */
async function expectAllDenied(p: Awaited<ReturnType<typeof probeAs>>, publishes: readonly string[], subscriptions: readonly string[]): Promise<void> {
  const closed = subscriptions.map((subject) => p.nc.subscribe(subject).closed);
  for (const subject of publishes) p.nc.publish(subject, new Uint8Array());
  await waitFor(() => publishes.every((subject) => p.violations.some((v) => v.operation === 'publish' && v.subject === subject)), {
    what: `${publishes.length} publishes to be denied`,
  });
  const results = await Promise.all(closed);
  results.forEach((r, i) => {
    expect(r, subscriptions[i]).toBeInstanceOf(PermissionViolationError);
    expect((r as PermissionViolationError).subject).toBe(subscriptions[i]);
  });
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relay-accounts-'));
  const conf = join(dir, 'check.conf');
  await writeFile(conf, `port: -1\njetstream { store_dir: ${JSON.stringify(dir)} }\n${generated.config}`);
  execFileSync(DEFAULT_NATS_SERVER_BIN, ['-t', '-c', conf], { stdio: 'pipe' });

  server = await startNatsServer({ extraConfig: generated.config }, { ...process.env, NATS_URL: '' });
  // The admin identity provisions; no service or tenant may.
  const admin = await busAs('admin');
  await ensureTopology(admin, { replicas: 1 });
  await ensureTenantConsumers(admin, TENANTS);

  const dispatcher = await busAs('dispatcher');
  // The public signer list tenants verify with (decision 0103), written by the dispatcher as it does from the directory.
  const signers = signingKeysOf(generated);
  const signed = signDirectory({ ...devDirectory().file, signers }, new TextEncoder().encode(DIRECTORY_KEY.seed));
  await exportSigners(dispatcher, openDirectory(signed, DIRECTORY_KEY.publicKey));
  for (const h of TENANTS.hotlines) {
    const referral = { ...exampleMessage(RelayType.Referral), id: `ref-${h.id}`, hotline: h.id, jurisdiction: h.country };
    await publishMessage(dispatcher, subjects.referral(h.country, h.id), RelayType.Referral, referral, { msgId: `dispatcher:ref-${h.id}`, origin: 'dispatcher' });
  }
  const escalation = { ...exampleMessage(RelayType.Notice), id: 'ntc-atkm', kind: NoticeKind.NOTICE_KIND_DEADLINE_ESCALATION, audience: Audience.AUDIENCE_AUTHORITY };
  await publishMessage(dispatcher, subjects.notice('NL', Audience.AUDIENCE_AUTHORITY, NoticeKind.NOTICE_KIND_DEADLINE_ESCALATION), RelayType.Notice, escalation, {
    msgId: 'dispatcher:ntc-atkm',
    origin: 'dispatcher',
  });
  // One notice addressed to each hotline; the fallback's carries a hosting country (CA: its only hotline is unconfirmed).
  for (const h of TENANTS.hotlines) {
    const country = h.fallback === true ? 'CA' : h.country;
    const notice = { ...exampleMessage(RelayType.Notice), id: `ntc-h-${h.id}`, kind: NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, audience: Audience.AUDIENCE_HOTLINE, country, hotline: h.id, url: `https://${h.id}.example/only-for-${h.id}` };
    await publishMessage(dispatcher, subjects.notice(country, Audience.AUDIENCE_HOTLINE, notice.kind, h.id), RelayType.Notice, notice, {
      msgId: `dispatcher:ntc-h-${h.id}`,
      origin: 'dispatcher',
    });
  }
  for (const cc of TENANTS.policeCountries) {
    const notice = { ...exampleMessage(RelayType.Notice), id: `ntc-${cc}`, country: cc, audience: Audience.AUDIENCE_POLICE };
    await publishMessage(dispatcher, subjects.notice(cc, Audience.AUDIENCE_POLICE, NoticeKind.NOTICE_KIND_POLICE_REFERRAL), RelayType.Notice, notice, {
      msgId: `dispatcher:ntc-${cc}`,
      origin: 'dispatcher',
    });
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(raw.map((nc) => nc.close()));
  await Promise.all(buses.map((b) => b.close()));
  await server?.dispose();
});

describe('the generated accounts on a real nats-server', () => {
  it('give every user an nkey and no password', () => {
    expect(generated.users.map((u) => u.name)).toEqual(
      expect.arrayContaining(['hotline-eokm', 'hotline-fsm', 'police-nl', 'police-de', 'gateway', 'locator', 'dispatcher', 'operator-alice']),
    );
    expect(generated.users.every((u) => /^U[A-Z2-7]{55}$/.test(u.publicKey))).toBe(true);
    expect(generated.config).not.toMatch(/password/);
    expect(new Set(generated.users.map((u) => u.inboxPrefix)).size).toBe(generated.users.length);
  });

  it.each(TENANTS.hotlines)('let hotline $id read its own referrals and publish its own status', async ({ id, country }) => {
    const client = hotlineClient(await busAs(`hotline-${id}`), { hotline: id, country, provenance });
    const referrals = await client.referrals();
    for await (const d of referrals) {
      expect(d.message.id).toBe(`ref-${id}`);
      await d.ack();
      break;
    }
    await referrals.close();
    const stored = await client.publishStatus({ id: 'st-1', referralId: `ref-${id}`, caseId: 'c', action: StatusAction.STATUS_ACTION_RECEIVED, occurredAt: new Date(), note: '' });
    expect(stored.stream).toBe('STATUS');
  });

  it('in Germany, deliver a notice addressed to eco to eco alone, and the one addressed to fsm to fsm alone', async () => {
    const operator = await busAs('operator-alice');
    const eco = await hotlineClient(await busAs('hotline-eco'), { hotline: 'eco', country: 'DE', provenance }).notices();
    const got: string[] = [];
    for await (const d of eco) {
      got.push(d.message.id);
      await d.ack();
      break;
    }
    await eco.close();
    expect(got).toEqual(['ntc-h-eco']);
    await waitFor(async () => (await consumerLag(operator, StreamName.Notices, 'hotline-eco-notices'))?.ackPending === 0, { what: 'eco to settle' });
    expect(await consumerLag(operator, StreamName.Notices, 'hotline-eco-notices')).toMatchObject({ pending: 0, ackPending: 0 });
    expect(await consumerLag(operator, StreamName.Notices, 'hotline-fsm-notices')).toMatchObject({ pending: 1 });

    const fsm = await hotlineClient(await busAs('hotline-fsm'), { hotline: 'fsm', country: 'DE', provenance }).notices();
    for await (const d of fsm) {
      expect(d.message).toMatchObject({ id: 'ntc-h-fsm', url: 'https://fsm.example/only-for-fsm' });
      await d.ack();
      break;
    }
    await fsm.close();
  });

  it('give a hotline whose membership is not confirmed no user and no consumer', async () => {
    const operator = await busAs('operator-alice');
    const unconfirmed = devDirectory().data.hotlines.filter((h) => h.membership === Membership.Unknown);
    expect(unconfirmed.map((h) => h.id)).toContain('cybertip-ca');
    for (const h of unconfirmed) {
      expect(generated.users.map((u) => u.name)).not.toContain(`hotline-${h.id}`);
      expect(generated.config).not.toContain(`hotline-${h.id}`);
      expect(await consumerLag(operator, StreamName.Referrals, `hotline-${h.id}`)).toBeUndefined();
      expect(await consumerLag(operator, StreamName.Notices, `hotline-${h.id}-notices`)).toBeUndefined();
    }
    // The fallback's notice about a Canadian URL waits for the fallback recipient, not for Cybertip.ca.
    const interpol = await hotlineClient(await busAs('hotline-interpol'), { hotline: 'interpol', provenance }).notices();
    for await (const d of interpol) {
      expect(d.message).toMatchObject({ id: 'ntc-h-interpol', country: 'CA', hotline: 'interpol' });
      await d.ack();
      break;
    }
    await interpol.close();
  });

  it.each(TENANTS.hotlines.map((h) => h.id))('refuse hotline %s everything of every other hotline', async (a) => {
    const p = await probeAs(`hotline-${a}`);
    const others = TENANTS.hotlines.filter((h) => h.id !== a).map((h) => h.id);
    await expectAllDenied(
      p,
      others.flatMap((b) => [
        `relay.status.${b}`,
        `$JS.API.CONSUMER.MSG.NEXT.REFERRALS.hotline-${b}`,
        `$JS.API.CONSUMER.INFO.REFERRALS.hotline-${b}`,
        `$JS.API.CONSUMER.MSG.NEXT.NOTICES.hotline-${b}-notices`,
        `$JS.API.CONSUMER.INFO.NOTICES.hotline-${b}-notices`,
        `$JS.ACK.REFERRALS.hotline-${b}.1.1.1.1.1.0`,
        `$JS.ACK.NOTICES.hotline-${b}-notices.1.1.1.1.1.0`,
      ]),
      others.flatMap((b) => [`relay.referral.*.${b}`, `relay.notice.*.hotline.${b}.>`, `_INBOX.hotline.hotline-${b}.>`]),
    );
  });

  it.each(TENANTS.policeCountries)('let the %s police read its own notices and nothing of other countries', async (cc) => {
    const notices = await policeClient(await busAs(`police-${cc.toLowerCase()}`), { country: cc, provenance }).notices();
    for await (const d of notices) {
      expect(d.message.id).toBe(`ntc-${cc}`);
      await d.ack();
      break;
    }
    await notices.close();
    const p = await probeAs(`police-${cc.toLowerCase()}`);
    const others = TENANTS.policeCountries.filter((x) => x !== cc);
    await expectAllDenied(
      p,
      others.map((other) => `$JS.API.CONSUMER.MSG.NEXT.NOTICES.police-${other.toLowerCase()}`),
      [...others.map((other) => `relay.notice.${other}.police.>`), `relay.notice.${cc}.hotline.>`],
    );
  });

  it('let the Dutch authority read its escalations and nothing else', async () => {
    const spec = tenantConsumers.authorityNotices('NL');
    const escalations = await pullDeliveries(await busAs('authority-nl'), { stream: spec.stream, durable: spec.durable, types: [RelayType.Notice] });
    for await (const d of escalations) {
      expect(d.message.id).toBe('ntc-atkm');
      await d.ack();
      break;
    }
    await escalations.close();
    const p = await probeAs('authority-nl');
    await expectPublishDenied(p, '$JS.API.CONSUMER.MSG.NEXT.NOTICES.police-nl');
    await expectSubscribeDenied(p, 'relay.notice.NL.police.>');
    await expectPublishDenied(p, 'relay.status.eokm');
  });

  const tenantUsers = [
    ...TENANTS.hotlines.map((h) => `hotline-${h.id}`),
    ...TENANTS.policeCountries.map((c) => `police-${c.toLowerCase()}`),
    'authority-nl',
  ];
  it.each(tenantUsers)('refuse %s any stream or consumer management and direct report publishing', async (name) => {
    const p = await probeAs(name);
    await expectAllDenied(p, [
      '$JS.API.STREAM.CREATE.STOLEN',
      '$JS.API.STREAM.DELETE.REFERRALS',
      '$JS.API.STREAM.PURGE.NOTICES',
      '$JS.API.STREAM.INFO.REFERRALS',
      '$JS.API.STREAM.MSG.GET.REFERRALS',
      '$JS.API.STREAM.NAMES',
      '$JS.API.CONSUMER.CREATE.REFERRALS',
      '$JS.API.CONSUMER.DURABLE.CREATE.REFERRALS.mine',
      '$JS.API.CONSUMER.DELETE.REFERRALS.hotline-eokm',
      'relay.report.ncmec',
      'relay.referral.NL.eokm',
      'relay.notice.NL.police.police-referral',
    ], ['relay.>', '>']);
  });
});
