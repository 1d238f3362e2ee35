export { parseDirectory } from './directory.js';
export type { Directory } from './directory.js';
export {
  DirectoryErrorCode,
  DirectoryInvalidError,
  DirectoryNotLoadedError,
  DirectorySignatureError,
  DirectorySignatureProblem,
  DirectoryUnreadableError,
  isDirectoryInvalidError,
  isDirectoryNotLoadedError,
  isDirectorySignatureError,
  isDirectoryUnreadableError,
} from './errors.js';
export { HoldReason, routeObservation } from './routing.js';
export type { NoticeTarget, Route } from './routing.js';
export { DEFAULT_HOSTER_WAVE_POLICY, directorySchema, Membership } from './schema.js';
export { hosterWavePolicy } from './waves.js';
export type {
  AuthorityEntry,
  DeadlinePolicy,
  DirectoryData,
  DirectoryFile,
  FallbackRoute,
  HosterWavePolicy,
  HotlineEntry,
  PoliceEntry,
  WebhookDelivery,
} from './schema.js';
export { directoryVerifier, operatorSigners, ServiceSigner } from './provenance.js';
export { tenantsOf } from './tenants.js';
export { webhookTenants } from './webhook-tenants.js';
export type { WebhookTenant } from './webhook-tenants.js';
export { DIRECTORY_KEY, exportSigners, loadDirectoryFile, publishDirectory, readDirectory, readSignerList, seedDirectory, watchDirectory } from './store.js';
export { isEmptySignerList, keysOfList, policyOfList, signerListOf, signerListSchema } from './signers.js';
export type { SignerList } from './signers.js';
export type { DirectoryWatch, DirectoryWatchEvents, StoredDirectory } from './store.js';
export { generateDirectoryKey, openDirectory, openSignerList, signDirectory } from './signed.js';
export { directoryKeySchema, directoryKeysSchema, signedDirectorySchema, signedSignerListSchema } from './signed-form.js';
export type { DirectoryKeys, SignedDirectory, SignedSignerList } from './signed-form.js';
