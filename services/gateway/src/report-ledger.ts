import { createHash } from 'node:crypto';
import { type Bus, type JsonBucket, openJsonBucket } from '@relay/bus';
import { encodeMessage, KvBucket, RelayError, RelayType, type Report } from '@relay/wire';
import { z } from 'zod';

/** What the intake ledger keeps per report id (bucket `relay-intake`, decision 0092). */
export interface LedgerEntry {
  /** {@link reportDigest} of the report first accepted under the id. */
  readonly digest: string;
  /** Its sequence in REPORTS, once JetStream acknowledged it. */
  readonly seq?: number;
}

const entrySchema = z.object({ digest: z.string().min(1).max(200), seq: z.int().min(1).optional() });

/** How a submission relates to what the ledger already holds for its id. */
export type Claim =
  /** The id is new and now bound to this digest: publish the report. */
  | { readonly kind: 'new'; readonly revision: number }
  /**
   * The id is bound to this same digest. With `seq` the report is stored and
   * nothing is published again; without it an earlier attempt may have
   * stopped between the claim and the ack: publish (same `Nats-Msg-Id`).
   */
  | { readonly kind: 'same'; readonly seq: number | undefined; readonly revision: number }
  /** The id is bound to a different report. */
  | { readonly kind: 'conflict' };

/** The record of which report each `<source>:<sourceReportId>` names, shared by every gateway copy. */
export interface ReportLedger {
  /**
   * Binds the report's id to `digest` unless it is bound already, with
   * compare-and-set, so of two gateways racing for one id exactly one binds it.
   * @throws what the bus throws when NATS or the bucket is unreachable (retryable).
   */
  claim(report: Report, digest: string): Promise<Claim>;
  /**
   * Notes the REPORTS sequence of a stored report and returns the sequence
   * the ledger keeps: the first one recorded, should two copies race.
   * `replacing` is a sequence noted before whose write was lost: it is overwritten.
   */
  recordStored(report: Report, digest: string, seq: number, claimed: number, replacing?: number): Promise<number>;
  /**
   * What the ledger holds for a source report id, undefined when the id was never used.
   * @throws what the bus throws when NATS or the bucket is unreachable (retryable).
   */
  find(source: string, sourceReportId: string): Promise<LedgerEntry | undefined>;
}

/**
 * The digest that decides whether two submissions are the same report:
 * SHA-256 over the protobuf encoding of the mapped `relay.v1.Report` without
 * `receivedAt` (the only field that differs between resends). ts-proto writes
 * fields in field-number order and repeated values in order, so equal reports
 * encode to equal bytes.
 */
export function reportDigest(report: Report): string {
  const canonical = encodeMessage(RelayType.Report, { ...report, receivedAt: undefined });
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/**
 * The ledger key of a report: `<source>.<sourceReportId>`. Both parts are
 * validated before (a lower-case source id; `[A-Za-z0-9_-]{1,100}`), so the
 * key is a valid KV key and says whose id it is.
 */
export function ledgerKey(report: Pick<Report, 'source' | 'sourceReportId'>): string {
  // A wildcard or dot would address other keys: refuse rather than trust a rule kept in another file.
  if (!KEY_PART.test(report.source) || !KEY_PART.test(report.sourceReportId)) throw new LedgerKeyError();
  return `${report.source}.${report.sourceReportId}`;
}

const KEY_PART = /^[A-Za-z0-9_-]{1,100}$/;

/** A source or source report id that is not a plain KV key token (validation upstream failed). */
class LedgerKeyError extends RelayError {
  override name = 'LedgerKeyError';

  constructor() {
    super('intake-ledger-key', 'the source or source report id cannot be a ledger key', { retryable: false });
  }
}

/** Opens `relay-intake` on first use; a failed open is tried again by the next submission. */
export function createReportLedger(bus: Bus): ReportLedger {
  let opening: Promise<JsonBucket<LedgerEntry>> | undefined;
  const bucket = (): Promise<JsonBucket<LedgerEntry>> =>
    (opening ??= openJsonBucket(bus, KvBucket.Intake, (raw) => entrySchema.parse(raw) as LedgerEntry).catch((err: unknown) => {
      opening = undefined;
      throw err;
    }));
  return {
    async claim(report, digest) {
      const b = await bucket();
      const key = ledgerKey(report);
      const revision = await b.create(key, { digest });
      if (revision !== undefined) return { kind: 'new', revision };
      const held = await b.get(key);
      // Created and gone again cannot happen (nothing deletes); read as "try again".
      if (held === undefined) throw new LedgerRaceError(key);
      if (held.value.digest !== digest) return { kind: 'conflict' };
      return { kind: 'same', seq: held.value.seq, revision: held.revision };
    },
    async recordStored(report, digest, seq, claimed, replacing) {
      const b = await bucket();
      const kept = await b.update(
        ledgerKey(report),
        (current) => (current === undefined || (current.digest === digest && current.seq === replacing) ? { digest, seq } : undefined),
        5,
        { value: replacing === undefined ? { digest } : { digest, seq: replacing }, revision: claimed },
      );
      return kept?.value.seq ?? seq;
    },
    async find(source, sourceReportId) {
      const b = await bucket();
      return (await b.get(ledgerKey({ source, sourceReportId })))?.value;
    },
  };
}

/** A ledger key that was neither creatable nor readable: a transient state; the reporter resends. */
class LedgerRaceError extends RelayError {
  override name = 'LedgerRaceError';

  constructor(key: string) {
    super('intake-ledger-race', `relay-intake ${key}: neither created nor found; resend`, { retryable: true });
  }
}
