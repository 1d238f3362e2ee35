import { type Bus, type Deliveries, type Stored, publishMessage, tenantConsumers } from '@relay/bus';
import { idToken, type Notice, type Receipt, RelayType, type Referral, type StatusUpdate, subjects } from '@relay/wire';
import { type ReportFormat, type SubmitOptions, submitReport } from './submit.js';
import { bindTenantConsumer } from './bind.js';
import { type ProvenanceOptions, requireDirectoryKey } from './provenance.js';

/** Settings of a hotline client. */
export interface HotlineClientOptions {
  /** Lower-case hotline id from the directory, e.g. `eokm`. */
  readonly hotline: string;
  /**
   * The hotline's country, e.g. `NL`: its notices are `relay.notice.<country>.hotline.<hotline>.*`.
   * Omitted only by the fallback recipient, whose notices carry the hosting country.
   */
  readonly country?: string;
  /** The hotline's intake API key (for {@link HotlineClient.submitReport}). */
  readonly apiKey?: string;
  /** Create the tenant consumers if missing (development servers only). */
  readonly createConsumer?: boolean;
  /**
   * How referrals and notices are verified: against the relay's public signer list signed by the pinned
   * `directoryKey` (required: the client is not built without it), failing closed.
   */
  readonly provenance: ProvenanceOptions;
}

/**
 * What a hotline system does with Hotline Relay, without writing NATS code.
 *
 * Delivery is at least once: a referral or notice is delivered again until
 * it is acked (after the ack wait of 60 s, or at once on `nak()`), also
 * across restarts and reconnects. Process idempotently by `referral.id`:
 * the relay never issues the same referral id for a different decision.
 */
export interface HotlineClient {
  /** Submits a report; see {@link submitReport}. */
  submitReport(body: string | object, format?: ReportFormat, options?: SubmitOptions): Promise<Receipt>;
  /**
   * The referrals routed to this hotline, oldest first, each to be acked.
   * Only verified ones are handed over (see {@link ProvenanceOptions}).
   * @throws SignersUnavailableError when there is no signer list to verify with.
   */
  referrals(): Promise<Deliveries<Referral>>;
  /** The notices addressed to this hotline (case moved, hoster changed, ...); never another hotline's. */
  notices(): Promise<Deliveries<Notice>>;
  /**
   * Reports progress on a referral (ICCAM actions: LEA, ISP, CR, CU, MO, NI).
   * `update.id` is this hotline's idempotency key: publishing the same id
   * twice stores it once. Resolves when JetStream stored it.
   */
  publishStatus(update: Omit<StatusUpdate, 'hotline'>): Promise<Stored>;
}

/**
 * A client for one hotline over an open connection (see `connectBus`).
 * @throws DirectoryKeyRequiredError without `provenance.directoryKey` (or a signer list, or verification off).
 */
export function hotlineClient(bus: Bus, options: HotlineClientOptions): HotlineClient {
  requireDirectoryKey(options.provenance);
  const hotline = idToken('hotline', options.hotline);
  const create = options.createConsumer ?? false;
  return {
    submitReport: (body, format, submit) => {
      if (options.apiKey === undefined) return Promise.reject(new TypeError('submitReport needs the apiKey option'));
      return submitReport(bus, options.apiKey, body, format, submit);
    },
    referrals: () => bindTenantConsumer(bus, tenantConsumers.hotlineReferrals(hotline), RelayType.Referral, create, options.provenance),
    notices: () => bindTenantConsumer(bus, tenantConsumers.hotlineNotices(hotline, options.country), RelayType.Notice, create, options.provenance),
    publishStatus: (update) =>
      publishMessage(bus, subjects.status(hotline), RelayType.StatusUpdate, { ...update, hotline }, { msgId: `${hotline}:${update.id}`, origin: hotline }),
  };
}
