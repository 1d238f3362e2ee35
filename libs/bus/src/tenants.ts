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
  /**
   * The notices addressed to one hotline: `relay.notice.<CC>.hotline.<hotline>.*`
   * (decision 0091), never another hotline's. `country` undefined reads the
   * hotline's notices of every country: only for the fallback recipient, whose
   * notices carry the hosting country (decision 0030).
   */
  hotlineNotices: (hotline: string, country: string | undefined): ConsumerSpec => ({
    stream: StreamName.Notices,
    durable: `hotline-${idToken('hotline', hotline)}-notices`,
    filterSubject: subjectFilters.notices({ ...(country === undefined ? {} : { country }), hotline }),
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
  /**
   * Hotlines whose membership is confirmed, with their country, and the
   * fallback recipient (`fallback: true`: its notices come from every country).
   * An unconfirmed hotline is not in the list: it gets no user and no consumer.
   */
  readonly hotlines: readonly { readonly id: string; readonly country: string; readonly fallback?: boolean }[];
  readonly policeCountries: readonly string[];
  readonly authorityCountries: readonly string[];
}

/** The consumer specs of every tenant in `tenants`. */
export function tenantConsumerSpecs(tenants: TenantList): ConsumerSpec[] {
  return [
    ...tenants.hotlines.flatMap((h) => [
      tenantConsumers.hotlineReferrals(h.id),
      tenantConsumers.hotlineNotices(h.id, h.fallback === true ? undefined : h.country),
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
