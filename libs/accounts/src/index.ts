export { generateAccounts, UserRole } from './generate.js';
export type { GeneratedAccounts, GeneratedUser } from './generate.js';
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
export type { InboxRole, Permissions, ServiceName, Tenants } from './permissions.js';
export { readExistingSeeds, writeAccounts } from './write.js';
