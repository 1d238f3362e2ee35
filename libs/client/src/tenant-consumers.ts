import { type Bus, type ConsumerSpec, type Deliveries, pullDeliveries } from '@relay/bus';
import { Audience, countryToken, idToken, type RelayMessageMap, type RelayTypeName, StreamName, subjectFilters } from '@relay/wire';
import { ConsumerMissingError } from './errors.js';

/**
 * The durable consumers each tenant reads from. The broker creates them (a
 * tenant may not create consumers when accounts are on); their names are part
 * of the contract with hotline and police systems.
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
} as const;

/**
 * Opens a tenant's consumer for reading, creating it first only when
 * `create` is set (development servers).
 * @throws ConsumerMissingError when it does not exist or may not be read.
 */
export async function bindTenantConsumer<K extends RelayTypeName>(
  bus: Bus,
  spec: ConsumerSpec,
  type: K,
  create: boolean,
): Promise<Deliveries<RelayMessageMap[K]>> {
  try {
    return await pullDeliveries(bus, { stream: spec.stream, durable: spec.durable, types: [type], ...(create ? { create: spec } : {}) });
  } catch (err) {
    throw new ConsumerMissingError(spec.durable, err);
  }
}
