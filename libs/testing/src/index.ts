// The shared fixture of relay tests (decision 0116): never imported by code that ships.
export { ackAsTenant } from './ack.js';
export { consoleAgent } from './console-agent.js';
export type { ConsoleAgent } from './console-agent.js';
export { DEMO_KEYS, DEV_DIRECTORY_FILE, DEV_SOURCES_FILE, DEV_ZONE_FILE, devDirectory, signedDirectory } from './dev-data.js';
export type { SignedTestDirectory } from './dev-data.js';
export { HOSTERS, observation, SEED_URL, testUrl } from './observations.js';
export type { Hoster, ObservationSpec } from './observations.js';
export { publishObservation, publishStatus } from './publish.js';
export { auditRecords, drainedConsumer, drainedConsumers, publishedFor, readAll } from './read.js';
export type { StoredMessage } from './read.js';
export { startRecheckResponder } from './recheck-responder.js';
export { startWriting } from './rewrites.js';
export type { Writer } from './rewrites.js';
export { startRelay } from './relay.js';
export type { TestRelay, TestRelayOptions } from './relay.js';
