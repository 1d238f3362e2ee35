export { AuditRecord } from './gen/relay/v1/audit.js';
export {
  AgeGroup,
  Classification,
  CsamCategory,
  Hash,
  HashAlgorithm,
  IncidentType,
  LegalClassification,
  Priority,
  SiteType,
} from './gen/relay/v1/common.js';
export {
  HostingObservation,
  HostingStatus,
  LocationConfidence,
  ObservationCause,
  RecheckCause,
  ReportSummary,
  ResolutionError,
  ResolutionErrorCode,
  ResolvedAddress,
} from './gen/relay/v1/hosting.js';
export { Audience, HosterWave, Notice, NoticeKind, WaveHoster } from './gen/relay/v1/notice.js';
export { RecheckReason, RecheckRequest } from './gen/relay/v1/recheck.js';
export { Referral, RoutingReason } from './gen/relay/v1/referral.js';
export { Report, Reporter } from './gen/relay/v1/report.js';
export { StatusAction, StatusUpdate } from './gen/relay/v1/status.js';

export { ANONYMISED_PREFIX, anonymisationKey, anonymiseNotice, anonymiseReferral, anonymiseStatus, keyedHash } from './anonymise.js';
export { decodeMessage, encodeMessage, messageFromJson, messageToJson } from './codec.js';
export { decodeToJsonByName, descriptorImagePath } from './descriptors.js';
export { durationSchema, parseDuration } from './duration.js';
export {
  DecodeError,
  InvalidSubjectError,
  InvalidSubjectTokenError,
  isDecodeError,
  isInvalidSubjectError,
  isInvalidSubjectTokenError,
  isRelayError,
  isUnknownMessageTypeError,
  RelayError,
  UnknownMessageTypeError,
  WireErrorCode,
} from './errors.js';
export { errorFromHeader, errorToHeader, Header } from './headers.js';
export type { HeaderName, WireError } from './headers.js';
export { deriveId } from './ids.js';
export {
  decodeIntakeAnswer,
  decodeIntakeReply,
  encodeIntakeReply,
  IntakeRule,
  MAX_PROBLEM_ERRORS,
  PROBLEM_CONTENT_TYPE,
  problemSchema,
  problemType,
  receiptSchema,
  violationSchema,
} from './intake-reply.js';
export type { IntakeAnswer, IntakeReply, Problem, Receipt, Violation } from './intake-reply.js';
export { codecs, isRelayType, RelayType } from './messages.js';
export type { MessageCodec, RelayMessageMap, RelayTypeName } from './messages.js';
export {
  audienceToken,
  countryToken,
  idToken,
  isIdToken,
  noticeKindToken,
  parseSubject,
  SubjectRoot,
  subjectFilters,
  subjectMatchesFilter,
  subjects,
} from './subjects.js';
export { COUNTRY_CODE, COUNTRY_CODE_RULE, isCountryCode, isKnownCountry, UNKNOWN_COUNTRY } from './country.js';
export type { ParsedSubject } from './subjects.js';
export { INBOX_ROOT, inboxUser, isInboxSubject } from './inbox.js';
export { childTraceparent, newTraceparent, traceIdOf } from './trace.js';
export { exampleMessage } from './examples.js';
export { KvBucket, SIGNERS_DIRECT_GET, SIGNERS_KEY, StreamName } from './streams.js';
export {
  encodedHashBytes,
  encodedUrlBytes,
  HASH_BUDGET_BYTES,
  HASH_VALUE_BYTES,
  lengthDelimitedBytes,
  MAX_HASH_VALUE_BYTES,
  MAX_HASHES,
  MAX_OBSERVED_ADDRESSES,
  MAX_OBSERVED_CNAMES,
  MAX_REPORT_BYTES,
  MAX_URL_BYTES_TOTAL,
  MAX_URL_LENGTH,
  MAX_URLS,
  NATS_MAX_PAYLOAD_BYTES,
  PAYLOAD_HEADROOM_BYTES,
  REPORT_FIXED_BYTES,
} from './limits.js';
