// The seed scenario with production security on: mutual TLS, the generated
// nkey accounts (every tenant and service with least privilege), and signed
// messages verified against the directory's signers. Issue 7: "the pipeline
// tests pass with the generated accounts and TLS turned on".
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GeneratedUser, generateAccounts, signingKeysOf } from '@relay/accounts';
import { type Bus, busConfigFromEnv, connectBus, type Deliveries, ensureTenantConsumers, ensureTopology, provenanceVerifier, publishMessage, readStream } from '@relay/bus';
import { hotlineClient, policeClient, ReportFormat } from '@relay/client';
import { generateDirectoryKey, signDirectory, tenantsOf } from '@relay/directory';
import { type NatsServer, type ServiceProcess, startNatsServer, startService, waitFor } from '@relay/testkit';
import { encodeMessage, errorFromHeader, exampleMessage, Header, type Notice, NoticeKind, type Referral, RelayType, RoutingReason, StreamName, subjects } from '@relay/wire';
import { DEV_SOURCES_FILE, devDirectory } from '@relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NCMEC_KEY = 'demo-ncmec-46736cfad86967225733f35e5d789c18';
const TENANT_USERS = ['hotline-ncmec', 'hotline-eokm', 'hotline-eco', 'police-nl', 'police-de'];
const URL_UNDER_TEST = 'http://moving.example.net/gallery/7';

let dir: string;
let server: NatsServer;
let users: readonly GeneratedUser[];
const services: ServiceProcess[] = [];
const buses: Bus[] = [];

const userNamed = (name: string): GeneratedUser => {
  const u = users.find((x) => x.name === name);
  if (!u) throw new Error(`no generated user ${name}`);
  return u;
};

/** The environment a user's software runs with: its nkey, inbox prefix, signing key and TLS files. */
function envOf(name: string): Record<string, string> {
  const client = TENANT_USERS.includes(name) || ['gateway', 'locator', 'dispatcher'].includes(name) ? name : 'operator';
  return {
    NATS_URL: server.url,
    NATS_NKEY_SEED_FILE: join(dir, 'users', `${name}.nk`),
    NATS_INBOX_PREFIX: userNamed(name).inboxPrefix,
    // The signing key is apart from the login (decision 0108); admin signs nothing.
    ...(userNamed(name).signingKey ? { RELAY_SIGNING_KEY_FILE: join(dir, 'users', `${name}.signing.nk`) } : {}),
    NATS_TLS_CA: join(dir, 'tls', 'ca.pem'),
    NATS_TLS_CERT: join(dir, 'tls', 'client', `${client}.pem`),
    NATS_TLS_KEY: join(dir, 'tls', 'client', `${client}-key.pem`),
  };
}

async function busAs(name: string): Promise<Bus> {
  const bus = await connectBus(busConfigFromEnv(envOf(name), name));
  buses.push(bus);
  return bus;
}

/** Waits for the next delivery matching `match`, acking every delivery it reads. */
async function next<T>(deliveries: Deliveries<T>, match: (m: T) => boolean, what: string): Promise<{ message: T; headers: Readonly<Record<string, string>> }> {
  const found = await Promise.race([
    (async () => {
      for await (const d of deliveries) {
        await d.ack();
        if (match(d.message)) return { message: d.message, headers: d.headers };
      }
      return undefined;
    })(),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000).unref()),
  ]);
  if (!found) throw new Error(`timed out waiting for ${what}`);
  return found;
}

const directoryKey = generateDirectoryKey();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relay-secure-'));
  execFileSync('bash', [join(REPO, 'deploy/tls/make-dev-ca.sh'), join(dir, 'tls'), 'relay'], {
    env: { ...process.env, RELAY_TLS_EXTRA_CLIENTS: TENANT_USERS.join(' ') },
    stdio: 'pipe',
  });

  const directory = devDirectory();
  const generated = generateAccounts({ ...tenantsOf(directory), operators: ['e2e'] }, new Map(), { generateTenantKeys: true });
  users = generated.users;
  await mkdir(join(dir, 'users'), { recursive: true });
  for (const u of users) {
    await writeFile(join(dir, 'users', `${u.name}.nk`), u.seed, { mode: 0o600 });
    if (u.signingKey) await writeFile(join(dir, 'users', `${u.name}.signing.nk`), u.signingKey.seed, { mode: 0o600 });
  }
  // The directory names every organisation's signing key (never a login key): verification is on.
  const signers = signingKeysOf(generated);
  // Signed by the offline directory key that the services pin: nothing else is followed.
  await writeFile(join(dir, 'directory.json'), JSON.stringify(signDirectory({ ...directory.file, signers }, new TextEncoder().encode(directoryKey.seed))));
  await writeFile(join(dir, 'zone.json'), JSON.stringify({ records: { 'moving.example.net': { a: ['185.107.56.1'] } } }));

  const tls = `tls { cert_file: ${JSON.stringify(join(dir, 'tls/server/relay.pem'))}, key_file: ${JSON.stringify(join(dir, 'tls/server/relay-key.pem'))}, ca_file: ${JSON.stringify(join(dir, 'tls/ca.pem'))}, verify: true }`;
  server = await startNatsServer({ extraConfig: `${generated.config}\n${tls}` }, { ...process.env, NATS_URL: '' });

  // Production order: the admin identity provisions streams, buckets and tenant consumers; no service may.
  const admin = await connectBus(busConfigFromEnv(envOf('admin'), 'admin'));
  await ensureTopology(admin, { replicas: 1 });
  await ensureTenantConsumers(admin, tenantsOf(directory));
  await admin.close();

  const common = { RELAY_DIRECTORY_FILE: join(dir, 'directory.json'), RELAY_DIRECTORY_KEY: directoryKey.publicKey };
  // The dispatcher first: it stores the directory (with its signers) and makes the tenants' consumers.
  services.push(await startService('dispatcher', { natsUrl: server.url, env: { ...envOf('dispatcher'), ...common, RELAY_RECHECK_INTERVAL: '2s' } }));
  services.push(await startService('locator', { natsUrl: server.url, env: { ...envOf('locator'), RELAY_DIRECTORY_KEY: directoryKey.publicKey, RELAY_DNS: 'zone', RELAY_DNS_ZONE_FILE: join(dir, 'zone.json') } }));
  services.push(await startService('gateway', { natsUrl: server.url, env: { ...envOf('gateway'), RELAY_SOURCES_FILE: DEV_SOURCES_FILE } }));
}, 120_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
  await server?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the seed scenario with accounts, mutual TLS and signatures on', () => {
  it('routes an NCMEC report to eokm and the Dutch police, then follows the site to Germany', async () => {
    const signer = (org: string): string[] => users.filter((u) => u.org === org).flatMap((u) => (u.signingKey ? [u.signingKey.publicKey] : []));
    const fromDispatcher = provenanceVerifier({ expectedSigner: () => 'dispatcher', keysOf: signer });

    const ncmec = hotlineClient(await busAs('hotline-ncmec'), { hotline: 'ncmec', country: 'US', apiKey: NCMEC_KEY, provenance: { directoryKey: directoryKey.publicKey } });
    const receipt = await ncmec.submitReport(
      `<?xml version="1.0" encoding="UTF-8"?>
<report>
  <incidentSummary><incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType><incidentDateTime>2026-11-01T22:40:00Z</incidentDateTime></incidentSummary>
  <internetDetails><webPageIncident><url>${URL_UNDER_TEST}</url></webPageIncident></internetDetails>
  <reporter><reportingPerson><email>tips@example.org</email></reportingPerson></reporter>
  <additionalInfo>secure-seed-1</additionalInfo>
</report>`,
      ReportFormat.CyberTipline,
    );
    expect(receipt.stream).toBe('REPORTS');

    const eokmReferrals = await hotlineClient(await busAs('hotline-eokm'), { hotline: 'eokm', country: 'NL', provenance: { directoryKey: directoryKey.publicKey } }).referrals();
    const nl = await next<Referral>(eokmReferrals, (r) => r.url === URL_UNDER_TEST, 'the referral to eokm');
    expect(nl.message).toMatchObject({ jurisdiction: 'NL', hotline: 'eokm', reason: RoutingReason.ROUTING_REASON_HOSTED_IN, source: 'ncmec' });
    // What the hotline receives provably comes from the relay's dispatcher.
    expect(signer('dispatcher')).toContain(nl.headers[Header.Signer]);
    expect(() => fromDispatcher({ data: encodeMessage(RelayType.Referral, nl.message), headers: nl.headers, subject: 'relay.referral.NL.eokm' })).not.toThrow();

    const policeNl = await policeClient(await busAs('police-nl'), { country: 'NL', provenance: { directoryKey: directoryKey.publicKey } }).notices();
    await next<Notice>(policeNl, (n) => n.url === URL_UNDER_TEST && n.kind === NoticeKind.NOTICE_KIND_POLICE_REFERRAL, 'the Dutch police notice');

    // The site moves to a German hoster; the locator re-reads the zone, a recheck finds it.
    await writeFile(join(dir, 'zone.json'), JSON.stringify({ records: { 'moving.example.net': { a: ['5.9.0.1'] } } }));
    const ecoReferrals = await hotlineClient(await busAs('hotline-eco'), { hotline: 'eco', country: 'DE', provenance: { directoryKey: directoryKey.publicKey } }).referrals();
    const de = await next<Referral>(ecoReferrals, (r) => r.url === URL_UNDER_TEST, 'the referral to the German hotline');
    expect(de.message).toMatchObject({ jurisdiction: 'DE', reason: RoutingReason.ROUTING_REASON_RELOCATED, supersedes: nl.message.id });
    const policeDe = await policeClient(await busAs('police-de'), { country: 'DE', provenance: { directoryKey: directoryKey.publicKey } }).notices();
    await next<Notice>(policeDe, (n) => n.url === URL_UNDER_TEST && n.kind === NoticeKind.NOTICE_KIND_RELOCATION_IN, 'the German police notice');
    const eokmNotices = await hotlineClient(await busAs('hotline-eokm'), { hotline: 'eokm', country: 'NL', provenance: { directoryKey: directoryKey.publicKey } }).notices();
    await next<Notice>(eokmNotices, (n) => n.url === URL_UNDER_TEST && n.kind === NoticeKind.NOTICE_KIND_CASE_MOVED_OUT, 'the case-moved notice for eokm');

    for (const d of [eokmReferrals, policeNl, ecoReferrals, policeDe, eokmNotices]) await d.close();

    // Verification is really on: a report smuggled past the gateway by a user who may publish
    // anything (an operator) carries no gateway signature, and the locator refuses it.
    const operator = await busAs('operator-e2e');
    const smuggled = { ...exampleMessage(RelayType.Report), id: 'rpt_smuggled', sourceReportId: 'smuggled', urls: [URL_UNDER_TEST] };
    await publishMessage(operator, subjects.report('ncmec'), RelayType.Report, smuggled, { msgId: 'ncmec:smuggled', origin: 'ncmec' });
    const refusal = await waitFor(async () => {
      for await (const m of readStream(operator, { stream: StreamName.Dlq })) {
        if (m.headers[Header.DlqMsgId] === 'ncmec:smuggled') return errorFromHeader(m.headers[Header.Error] ?? '');
      }
      return undefined;
    });
    expect(refusal.code).toBe('signer-not-of-org');
    // Nothing was refused along the way: every hop was signed by whom the next one expected.
    for (const s of services) expect(s.output()).not.toMatch(/Permissions Violation|permission/i);
  }, 90_000);
});
