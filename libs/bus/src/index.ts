export { AuditReasonMissingError, recordAudit } from './audit.js';
export type { AuditEntry } from './audit.js';
export { AUDIT_GENESIS_HASH, auditLinkHash } from './audit-chain.js';
export type { AuditLinkInput } from './audit-chain.js';
export { AuditBreakKind, verifyAuditChain } from './audit-verify.js';
export type { AuditBreak, AuditChainReport, VerifyAuditOptions } from './audit-verify.js';
export { busConfigFromEnv, busEnvSchema, serviceEnv } from './config.js';
export type { BusConfig } from './config.js';
export { connectBus } from './connection.js';
export type { Bus } from './connection.js';
export { consumerAckFloor, deleteConsumer, ensureConsumer, runConsumer } from './consumer.js';
export type { ConsumerRunner, ConsumerSpec, RunnerOptions } from './consumer.js';
export type { Consumed, VerifyMessage } from './delivery.js';
export { deadLetter } from './dlq.js';
export type { DeadLettered, DeadLetterOptions } from './dlq.js';
export {
  BusErrorCode,
  ConfigError,
  ConflictError,
  isConfigError,
  isConflictError,
  isLastSequenceMismatchError,
  isNotFoundError,
  isPoisonMessageError,
  isPublishError,
  isRetryable,
  isStoreFullError,
  isTransientError,
  isWrongLastSequenceError,
  LastSequenceMismatchError,
  PoisonMessageError,
  PublishError,
  TransientError,
} from './errors.js';
export { emptyHeaderRecord, headerRecord, headersToRecord, headerValue } from './header-record.js';
export type { HeaderRecord } from './header-record.js';
export { BucketValueError, openJsonBucket } from './kv.js';
export type { JsonBucket, Versioned } from './kv.js';
export type { BucketChange, BucketEntry, BucketValues, ReadValuesOptions } from './kv-consumer.js';
export { configuredOrExit, stopOnSignals } from './lifecycle.js';
export type { ShutdownLog, Stoppable } from './lifecycle.js';
export { noMetrics } from './metrics.js';
export type { BusMetrics, HandleOutcome, PublishOutcome } from './metrics.js';
export {
  DEFAULT_MAX_SKEW_MS,
  isProvenanceError,
  ProvenanceError,
  ProvenanceErrorCode,
  provenanceVerifier,
  signatureHeaders,
  signerFromSeed,
} from './provenance.js';
export type { ProvenancePolicy, Signer, SignerKey } from './provenance.js';
export { readdressedHeaders, signingKeyOf } from './readdress.js';
export { SIGNED_HEADERS_V2, signedBytesV1, signedBytesV2 } from './signed-form.js';
export { readSignerListBytes } from './signer-list.js';
export { nativeSigner, verifyNative } from './ed25519.js';
export { publishBytes, publishMessage } from './publish.js';
export type { PublishOptions, Stored } from './publish.js';
export { pullDeliveries } from './pull.js';
export type { Deliveries, Delivery, PullOptions, VerifyMessageAsync } from './pull.js';
export { applyRetention } from './retention.js';
export type { RetentionOptions, RetentionReport, RetentionWait } from './retention.js';
export { followStream } from './follow.js';
export type { FollowRange, Following } from './follow.js';
export { LEADER_ELECTED_ADVISORIES, watchLeaderElections } from './leaders.js';
export { readersOf } from './retention-readers.js';
export type { Reader } from './retention-readers.js';
export { replicasBehind } from './replicas.js';
export type { LeaderElection, LeaderElectionHandlers } from './leaders.js';
export { consumerLag, deleteStoredMessage, fetchStoredMessage, getStoredMessage, nextStoredMessage, readStream, streamState } from './read.js';
export type { ConsumerLag, ReadRange, StoredMessage, StreamState } from './read.js';
export { request, serveRequests } from './service.js';
export type { Envelope, Responder, ServeOptions } from './service.js';
export {
  choiceSetting,
  configIssues,
  durationSetting,
  existingFileSetting,
  hostSetting,
  optionalDurationSetting,
  pathSetting,
  portSetting,
  wholeNumberSetting,
} from './settings.js';
export { ensureTenantConsumers, tenantConsumerSpecs, tenantConsumers } from './tenants.js';
export type { TenantList } from './tenants.js';
export { ensureTopology, KV_SPECS, MIRROR_SPECS, PERSONAL_DATA_MAX_AGE_MS, STREAM_SPECS, TopologyError } from './topology.js';
export type { KvSpec, MirrorSpec, StreamSpec, TopologyOptions, TopologyReport } from './topology.js';
export { entryOf, getEntry, listEntries, originalHeaders, sourceOf } from './dlq-entries.js';
export type { DlqEntry } from './dlq-entries.js';
export { redrive } from './dlq-redrive.js';
export type { RedriveOutcome } from './dlq-redrive.js';
export { readFacts } from './stats-facts.js';
export { readRelayMessages } from './relay-messages.js';
export type { RelayMessageVisitor } from './relay-messages.js';
export type { Facts, NoticeFact, ReferralFact, StatusFact } from './stats-facts.js';
export { computeStats } from './stats-compute.js';
export type { RemovalTimes, Stats, StatsGrouping, StatsRow } from './stats-compute.js';
