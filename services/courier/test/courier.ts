import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { type Bus, busConfigFromEnv, connectBus, ensureConsumer, publishMessage, tenantConsumers } from '@relay/bus';
import type { SignerList } from '@relay/client';
import type { TestRelay } from '@relay/testing';
import { Audience, exampleMessage, NoticeKind, RelayType, subjects } from '@relay/wire';

/** A fresh Standard Webhooks secret, written as `<ref>` into a new secrets folder. */
export function secretsFolder(ref = 'eokm-webhook'): { readonly dir: string; readonly ref: string; readonly secret: string } {
  const dir = mkdtempSync(join(tmpdir(), 'courier-secrets-'));
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  writeFileSync(join(dir, ref), `${secret}\n`, { mode: 0o600 });
  return { dir, ref, secret };
}

/** A connection that signs as the dispatcher, and the signer list that trusts it. */
export async function dispatcherBus(relay: TestRelay): Promise<{ readonly bus: Bus; readonly signers: SignerList }> {
  const user = createUser();
  const seedFile = join(mkdtempSync(join(tmpdir(), 'courier-dispatcher-')), 'dispatcher.signing.nk');
  writeFileSync(seedFile, new TextDecoder().decode(user.getSeed()), { mode: 0o600 });
  const bus = await connectBus(busConfigFromEnv({ NATS_URL: relay.server.url, RELAY_SIGNING_KEY_FILE: seedFile }, 'dispatcher'));
  return { bus, signers: { version: 1, signers: { dispatcher: [{ key: user.getPublicKey() }] }, maxClockSkewMs: 300_000 } };
}

/** Creates a hotline's two tenant consumers, as `relay topology apply` does. */
export async function tenantConsumersOf(bus: Bus, hotline: string, country: string): Promise<void> {
  await ensureConsumer(bus, tenantConsumers.hotlineReferrals(hotline));
  await ensureConsumer(bus, tenantConsumers.hotlineNotices(hotline, country));
}

/** Publishes a referral of `caseId` to `hotline`, as the dispatcher. */
export async function publishReferral(bus: Bus, id: string, caseId: string, hotline: string, country: string): Promise<void> {
  await publishMessage(bus, subjects.referral(country, hotline), RelayType.Referral, { ...exampleMessage(RelayType.Referral), id, caseId, jurisdiction: country, hotline }, {
    msgId: `dispatcher:${id}`,
    origin: 'dispatcher',
  });
}

/** Publishes a case-moved notice of `caseId` addressed to `hotline`, as the dispatcher. */
export async function publishNotice(bus: Bus, id: string, caseId: string, hotline: string, country: string): Promise<void> {
  const kind = NoticeKind.NOTICE_KIND_CASE_MOVED_OUT;
  await publishMessage(
    bus,
    subjects.notice(country, Audience.AUDIENCE_HOTLINE, kind, hotline),
    RelayType.Notice,
    { ...exampleMessage(RelayType.Notice), id, caseId, country, audience: Audience.AUDIENCE_HOTLINE, kind, hotline },
    { msgId: `dispatcher:${id}`, origin: 'dispatcher' },
  );
}
