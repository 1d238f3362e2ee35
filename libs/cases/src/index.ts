// The case record of KV `relay-cases` (decision 0140): the one schema, id, codec and outbox
// the dispatcher writes and the relay command (reroute, audit) reads.
export { CASE_ID, caseIdOf, caseSchema, CaseStatus, DeadlineKind, FILE_MEMORY, nextRecheckAt, OUTBOX_KEEP_MS, outboxEntrySchema, recheckPhase, referralIdOf, REPORT_MEMORY, STATUS_MEMORY, tombstoneSchema } from './case-state.js';
export type { CaseDeadline, CaseFile, CaseRouting, CaseState, CaseTombstone, OutboxEntry, StoredCase } from './case-state.js';
export { isTombstone, isTombstoneValue, openCaseBucket, openCaseView, parseCase, parseStoredCase } from './codec.js';
export { carriedOutbox, isPublished, markPublished, outboxBytes, outboxIssuedAt, outboxMessage, toOutboxEntry } from './outbox.js';
export type { HashesRef, OutboxCause, OutboxMessage } from './outbox.js';
export { caseAuditViewSchema, caseRouteViewSchema } from './views.js';
export type { CaseAuditView, CaseRouteView } from './views.js';
