import { type Bus, type Deliveries, tenantConsumers } from '@relay/bus';
import { countryToken, type Notice, RelayType } from '@relay/wire';
import { bindTenantConsumer } from './bind.js';
import { type ProvenanceOptions, requireDirectoryKey } from './provenance.js';

/** Settings of a police liaison client. */
export interface PoliceClientOptions {
  /** The liaison's country, e.g. `NL`. */
  readonly country: string;
  /** Create the consumer if missing (development servers only). */
  readonly createConsumer?: boolean;
  /**
   * How notices are verified: against the relay's public signer list signed by the pinned `directoryKey`
   * (required: the client is not built without it), failing closed.
   */
  readonly provenance: ProvenanceOptions;
}

/**
 * What a police liaison reads: the notices of its own country (cases referred
 * to the country's hotline, cases moving in or out, missed removal deadlines).
 * At least once: a notice comes back until acked; dedupe by `notice.id`.
 */
export interface PoliceClient {
  notices(): Promise<Deliveries<Notice>>;
}

/**
 * A client for one country's police liaison over an open connection.
 * @throws DirectoryKeyRequiredError without `provenance.directoryKey` (or a signer list, or verification off).
 */
export function policeClient(bus: Bus, options: PoliceClientOptions): PoliceClient {
  requireDirectoryKey(options.provenance);
  const spec = tenantConsumers.policeNotices(countryToken(options.country));
  return {
    notices: () => bindTenantConsumer(bus, spec, RelayType.Notice, options.createConsumer ?? false, options.provenance),
  };
}
