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
export { consoleReads, consoleTenantPermissions } from './console-permissions.js';
export type { ConsoleRead, ConsoleTenant } from './console-permissions.js';
export {
  ConsoleUsersError,
  ConsoleUsersErrorCode,
  consoleUserOf,
  describeConsoleRole,
  hashConsolePassword,
  isConsoleUsersError,
  parseConsoleRole,
  readConsoleUsers,
  tenantOfRole,
  updateConsoleUser,
  verifyConsolePassword,
  withConsoleUser,
  writeConsoleUsers,
} from './console-users.js';
export type { ConsoleRole, ConsoleUser, ConsoleUsersFile } from './console-users.js';
export type { SignerKeys } from './write.js';
