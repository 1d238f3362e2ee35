/** JetStream stream names of the contract (docs/architecture.md §4). */
export const StreamName = {
  Reports: 'REPORTS',
  Hosting: 'HOSTING',
  Referrals: 'REFERRALS',
  Notices: 'NOTICES',
  Status: 'STATUS',
  Rechecks: 'RECHECKS',
  Dlq: 'DLQ',
  Audit: 'AUDIT',
  /** A mirror of AUDIT that no runtime or operator user may change (decision 0096). */
  AuditMirror: 'AUDIT_MIRROR',
  Archive: 'ARCHIVE',
} as const;
export type StreamName = (typeof StreamName)[keyof typeof StreamName];

/** JetStream key-value buckets of the contract. */
export const KvBucket = {
  /** Case state, one key per case id; changed only by compare-and-set. */
  Cases: 'relay-cases',
  /** Hosting history: the latest observation per case id. */
  HostingHistory: 'relay-hosting',
  /** The hotline directory; its revision is recorded on every referral. */
  Directory: 'relay-directory',
  /**
   * The gateway's intake ledger: per `<source>.<sourceReportId>` the digest of
   * the report first accepted under that id and its REPORTS sequence, so an
   * id stays one report for ever (decision 0092).
   */
  Intake: 'relay-intake',
  /** Per-source intake counts per minute, shared by every gateway copy (decision 0093). */
  RateLimits: 'relay-rate-limits',
  /** Relocation waves per hoster and country pair, with their outbox (issue 18, decision 0120); changed only by compare-and-set. */
  Waves: 'relay-waves',
} as const;
export type KvBucket = (typeof KvBucket)[keyof typeof KvBucket];

/**
 * The key of the public signer list in {@link KvBucket.Directory}: the
 * directory's signing keys and their windows, which every tenant may read by
 * direct get to verify what it receives (decision 0103).
 */
export const SIGNERS_KEY = 'signers';

/** The direct-get subject of the last value of the signer list (JetStream 2.9+). */
export const SIGNERS_DIRECT_GET = `$JS.API.DIRECT.GET.KV_${KvBucket.Directory}.$KV.${KvBucket.Directory}.${SIGNERS_KEY}`;
