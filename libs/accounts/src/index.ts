export {
  AccountsErrorCode,
  generateAccounts,
  isTenantKeyError,
  PublicKeyInvalidError,
  signingKeyName,
  TenantKeysMissingError,
  UserRole,
} from './generate.js';
export type { GeneratedAccounts, GeneratedUser, KeyPair, SuppliedUser, TenantKeyOptions } from './generate.js';
export {
  adminPermissions,
  authorityPermissions,
  breakGlassPermissions,
  hotlinePermissions,
  inboxPrefixOf,
  operatorPermissions,
  policePermissions,
  servicePermissions,
} from './permissions.js';
export { courierPermissions } from './courier.js';
export type { InboxRole, Permissions, ServiceName, Tenants } from './permissions.js';
export { readExistingSeeds, signingKeysOf, writeAccounts } from './write.js';
export type { SignerKeys } from './write.js';
