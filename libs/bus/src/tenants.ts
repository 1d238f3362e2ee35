import { Audience, countryToken, idToken, StreamName, subjectFilters } from '@relay/wire';
import type { Bus } from './connection.js';
import { type ConsumerSpec, ensureConsumer } from './consumer.js';

/**
 * The durable consumers each tenant reads from (decision 0004). The broker
 * creates them; a tenant may only pull from and ack its own. Their names are
 * part of the contract with hotline, police and authority systems.
 */
export const tenantConsumers = {
  /** A hotline's referrals: `relay.referral.*.<hotline>`. */
  hotlineReferrals: (hotline: string): ConsumerSpec => ({
    stream: StreamName.Referrals,
    durable: `hotline-${idToken('hotline', hotline)}`,
    filterSubject: subjectFilters.referrals({ hotline }),
    ackWaitMs: 60_000,
  }),
  /** Notices to the hotlines of a country: `relay.notice.<CC>.hotline.*`. */
  hotlineNotices: (hotline: string, country: string): ConsumerSpec => ({
    stream: StreamName.Notices,
    durable: `hotline-${idToken('hotline', hotline)}-notices`,
    filterSubject: subjectFilters.notices({ country, audience: Audience.AUDIENCE_HOTLINE }),
    ackWaitMs: 60_000,
  }),
  /** A country's police notices: `relay.notice.<CC>.police.*`. */
  policeNotices: (country: string): ConsumerSpec => ({
    stream: StreamName.Notices,
    durable: `police-${countryToken(country).toLowerCase()}`,
    filterSubject: subjectFilters.notices({ country, audience: Audience.AUDIENCE_POLICE }),
    ackWaitMs: 60_000,
  }),
  /** A country's removal authority (NL: ATKM): `relay.notice.<CC>.authority.*`. */
  authorityNotices: (country: string): ConsumerSpec => ({
    stream: StreamName.Notices,
    durable: `authority-${countryToken(country).toLowerCase()}`,
    filterSubject: subjectFilters.notices({ country, audience: Audience.AUDIENCE_AUTHORITY }),
    ackWaitMs: 60_000,
  }),
} as const;

/** Every tenant that reads from the relay. */
export interface TenantList {
  /** Hotlines with their country; `notices: false` for a recipient that gets referrals only (the fallback). */
  readonly hotlines: readonly { readonly id: string; readonly country: string; readonly notices?: boolean }[];
  readonly policeCountries: readonly string[];
  readonly authorityCountries: readonly string[];
}

/** The consumer specs of every tenant in `tenants`. */
export function tenantConsumerSpecs(tenants: TenantList): ConsumerSpec[] {
  return [
    ...tenants.hotlines.flatMap((h) => [
      tenantConsumers.hotlineReferrals(h.id),
      ...(h.notices === false ? [] : [tenantConsumers.hotlineNotices(h.id, h.country)]),
    ]),
    ...tenants.policeCountries.map((cc) => tenantConsumers.policeNotices(cc)),
    ...tenants.authorityCountries.map((cc) => tenantConsumers.authorityNotices(cc)),
  ];
}

/**
 * Creates (or updates) the durable consumer of every tenant, so a referral or
 * notice is kept for its reader from the moment the tenant is in the
 * directory, whether or not its system is connected. Idempotent.
 */
export async function ensureTenantConsumers(bus: Bus, tenants: TenantList): Promise<number> {
  const specs = tenantConsumerSpecs(tenants);
  for (const spec of specs) await ensureConsumer(bus, spec);
  return specs.length;
}
