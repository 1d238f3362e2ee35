export { generateAccounts, UserRole } from './generate.js';
export type { GeneratedAccounts, GeneratedUser, Tenants } from './generate.js';
export { hotlinePermissions, inboxPrefixOf, operatorPermissions, policePermissions, servicePermissions } from './permissions.js';
export type { Permissions } from './permissions.js';
export { readExistingSeeds, writeAccounts } from './write.js';
