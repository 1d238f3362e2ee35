export { generateAccounts, UserRole } from './generate.js';
export type { GeneratedAccounts, GeneratedUser, Tenants } from './generate.js';
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
export type { InboxRole, Permissions, ServiceName } from './permissions.js';
export { readExistingSeeds, writeAccounts } from './write.js';
