import { courierPermissions } from './courier.js';
import { createUser, fromPublic, fromSeed } from '@nats-io/nkeys';
import { countryToken, idToken, RelayError } from '@relay/wire';
import {
  adminPermissions,
  authorityPermissions,
  breakGlassPermissions,
  hotlinePermissions,
  inboxPrefixOf,
  operatorPermissions,
  type Permissions,
  policePermissions,
  servicePermissions,
  type Tenants,
} from './permissions.js';
import { consoleTenantPermissions } from './console-permissions.js';


/** The role a user plays. */
export const UserRole = {
  Hotline: 'hotline',
  Police: 'police',
  Authority: 'authority',
  Service: 'service',
  Operator: 'operator',
  /** Creates and updates streams, buckets and consumers; reads no message (decision 0097). */
  Admin: 'admin',
  /** Everything; kept offline, for recovery only (decision 0097). */
  BreakGlass: 'break-glass',
  /** The web console acting for one tenant, with no more rights than it (decision 0135). */
  Console: 'console',
} as const;
export type UserRole = (typeof UserRole)[keyof typeof UserRole];

/** A key pair the operator generated: public key and secret seed. */
export interface KeyPair {
  /** Public nkey (U...). */
  readonly publicKey: string;
  /** Secret seed (SU...); written to a 0600 file only. */
  readonly seed: string;
}

/** One NATS user whose login key the operator generated, with its secret seed. */
export interface GeneratedUser {
  /** `hotline-eokm`, `police-nl`, `authority-nl`, `gateway`, `operator-alice`, `admin`, `break-glass`. */
  readonly name: string;
  readonly role: UserRole;
  /** The organisation it acts for (`Relay-Origin`): hotline id, `police-nl`, service name. */
  readonly org: string;
  /** Public nkey (U...): its NATS login (never a message signer, decision 0108). */
  readonly publicKey: string;
  /** Secret seed (SU...) of the login key; goes into the user's credentials file only. */
  readonly seed: string;
  /**
   * Its own message-signing key, apart from the login (decision 0108): for the
   * services, operators and generated tenants; none for `admin` and
   * `break-glass`, which publish no relay message.
   */
  readonly signingKey?: KeyPair;
  readonly inboxPrefix: string;
  readonly permissions: Permissions;
}

/** A tenant user whose login key its organisation made and keeps: only the public key is known here. */
export interface SuppliedUser {
  readonly name: string;
  readonly role: UserRole;
  readonly org: string;
  /** The public nkey (U...) the tenant handed over (`relay keys generate --login`). */
  readonly publicKey: string;
  readonly inboxPrefix: string;
  readonly permissions: Permissions;
}

/** The result of {@link generateAccounts}. */
export interface GeneratedAccounts {
  /** Users whose seeds the operator holds: services, operators, admin, break-glass, and tenants only when generated. */
  readonly users: readonly GeneratedUser[];
  /** Tenants that supplied their own public login key: no seed, no credentials file (decision 0108). */
  readonly supplied: readonly SuppliedUser[];
  /** nats-server configuration: the RELAY account (JetStream on) with every user, and SYS. */
  readonly config: string;
}

/** How tenants' login keys are found (decision 0108). */
export interface TenantKeyOptions {
  /** Public login keys (U...) by user name (`hotline-eokm`, `police-nl`), made and kept by the tenants. */
  readonly publicKeys?: ReadonlyMap<string, string>;
  /**
   * Generate a login key (and a signing key) on this host for a tenant
   * without a supplied public key: development stacks and tests only.
   * Default false: such a tenant is refused ({@link TenantKeysMissingError}).
   */
  readonly generateTenantKeys?: boolean;
}

/** Stable codes of the accounts generator's errors. */
export const AccountsErrorCode = {
  TenantKeysMissing: 'accounts-tenant-keys-missing',
  PublicKeyInvalid: 'accounts-public-key-invalid',
} as const;

/** Tenants that supplied no public login key, while the operator may not generate theirs. */
export class TenantKeysMissingError extends RelayError {
  override name = 'TenantKeysMissingError';

  constructor(readonly users: readonly string[]) {
    super(
      AccountsErrorCode.TenantKeysMissing,
      `no public login key for ${users.join(', ')}: each tenant makes its own (relay keys login) and hands over only the public key; or generate them here with --generate-tenant-keys (development only)`,
    );
  }
}

/** A supplied public key that is not a user nkey, or names no tenant. */
export class PublicKeyInvalidError extends RelayError {
  override name = 'PublicKeyInvalidError';

  constructor(message: string) {
    super(AccountsErrorCode.PublicKeyInvalid, message);
  }
}

/** True when `err` is a {@link TenantKeysMissingError} or a {@link PublicKeyInvalidError}. */
export function isTenantKeyError(err: unknown): err is TenantKeysMissingError | PublicKeyInvalidError {
  return err instanceof TenantKeysMissingError || err instanceof PublicKeyInvalidError;
}

/** The seed-file name (without `.nk`) under which a user's signing key is kept beside its login key. */
export function signingKeyName(user: string): string {
  return `${user}.signing`;
}

const TENANT_ROLES: readonly UserRole[] = ['hotline', 'police', 'authority'];
/** Roles that publish no relay message, so need no signing key. */
const NO_SIGNING: readonly UserRole[] = ['admin', 'break-glass'];

function keyPair(existing: string | undefined): KeyPair {
  const kp = existing === undefined ? createUser() : fromSeed(new TextEncoder().encode(existing));
  return { publicKey: kp.getPublicKey(), seed: new TextDecoder().decode(kp.getSeed()) };
}

function checkedPublicKey(name: string, key: string): string {
  let valid = false;
  try {
    valid = key.startsWith('U') && fromPublic(key).getPublicKey() === key;
  } catch {
    valid = false;
  }
  if (!valid) throw new PublicKeyInvalidError(`the public login key of ${name} is not a NATS user public key (U + 55 base32 characters): ${JSON.stringify(key)}`);
  return key;
}

/**
 * Generates one nkey user per hotline, police liaison, service and operator,
 * plus the admin (bootstrap) and break-glass identities,
 * with least-privilege permissions, and the nats-server `accounts` block.
 * No plaintext passwords: users authenticate with their nkey seed. A tenant
 * that supplied its public login key (`keys.publicKeys`) is listed by that key
 * only; the operator never holds its seed (decision 0108). Every user the
 * operator generates but admin and break-glass also gets a separate signing key.
 * Pass `existingSeeds` (name -> seed, signing keys as `<name>.signing`) to keep
 * keys across regenerations.
 * @throws TenantKeysMissingError when a tenant has no public key and `keys.generateTenantKeys` is not set.
 * @throws PublicKeyInvalidError for a supplied key that is not a user nkey or names no tenant.
 */
export function generateAccounts(tenants: Tenants, existingSeeds: ReadonlyMap<string, string> = new Map(), keys: TenantKeyOptions = {}): GeneratedAccounts {
  const users: GeneratedUser[] = [];
  const supplied: SuppliedUser[] = [];
  const missing: string[] = [];
  const add = (name: string, role: UserRole, org: string, permissions: Permissions): void => {
    const inboxPrefix = inboxPrefixOf(role, name);
    const publicKey = TENANT_ROLES.includes(role) ? keys.publicKeys?.get(name) : undefined;
    if (publicKey !== undefined) {
      supplied.push({ name, role, org, publicKey: checkedPublicKey(name, publicKey), inboxPrefix, permissions });
      return;
    }
    if (TENANT_ROLES.includes(role) && keys.generateTenantKeys !== true) {
      missing.push(name);
      return;
    }
    const login = keyPair(existingSeeds.get(name));
    const signing = NO_SIGNING.includes(role) ? undefined : keyPair(existingSeeds.get(signingKeyName(name)));
    users.push({ name, role, org, ...login, ...(signing === undefined ? {} : { signingKey: signing }), inboxPrefix, permissions });
  };
  for (const h of tenants.hotlines) {
    const id = idToken('hotline', h.id);
    add(`hotline-${id}`, UserRole.Hotline, id, hotlinePermissions(id));
  }
  for (const c of new Set(tenants.policeCountries.map((cc) => countryToken(cc)))) {
    add(`police-${c.toLowerCase()}`, UserRole.Police, `police-${c.toLowerCase()}`, policePermissions(c));
  }
  for (const c of new Set(tenants.authorityCountries.map((cc) => countryToken(cc)))) {
    add(`authority-${c.toLowerCase()}`, UserRole.Authority, `authority-${c.toLowerCase()}`, authorityPermissions(c));
  }
  for (const s of ['gateway', 'locator', 'dispatcher'] as const) add(s, UserRole.Service, s, servicePermissions(s, tenants.hotlines.map((h) => h.id)));
  add('courier', UserRole.Service, 'courier', courierPermissions(tenants.webhookHotlines ?? []));
  add('watch', UserRole.Service, 'watch', servicePermissions('watch'));
  add('console', UserRole.Service, 'console', servicePermissions('console'));
  // The console's user per tenant (decision 0135); a hotline's signs status updates as the hotline, so its key is listed under the hotline's org.
  for (const h of tenants.hotlines) add(`console-hotline-${h.id}`, UserRole.Console, h.id, consoleTenantPermissions(`console-hotline-${h.id}`, { kind: 'hotline', hotline: h.id }, tenants));
  for (const c of new Set(tenants.policeCountries.map((cc) => countryToken(cc)))) {
    const user = `console-police-${c.toLowerCase()}`;
    add(user, UserRole.Console, user, consoleTenantPermissions(user, { kind: 'police', country: c }, tenants));
  }
  for (const c of new Set(tenants.authorityCountries.map((cc) => countryToken(cc)))) {
    const user = `console-authority-${c.toLowerCase()}`;
    add(user, UserRole.Console, `authority-${c.toLowerCase()}`, consoleTenantPermissions(user, { kind: 'authority', country: c }, tenants));
  }
  add('console-operator', UserRole.Operator, 'console-operator', operatorPermissions('console-operator', tenants));
  for (const o of tenants.operators) {
    const id = idToken('operator', o);
    add(`operator-${id}`, UserRole.Operator, `operator-${id}`, operatorPermissions(`operator-${id}`, tenants));
  }
  add('admin', UserRole.Admin, 'admin', adminPermissions('admin'));
  add('break-glass', UserRole.BreakGlass, 'break-glass', breakGlassPermissions());
  if (missing.length > 0) throw new TenantKeysMissingError(missing);
  const known = new Set(supplied.map((u) => u.name));
  const unknown = [...(keys.publicKeys?.keys() ?? [])].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new PublicKeyInvalidError(`public login keys for ${unknown.join(', ')}, which are not tenants of the directory (hotline-<id>, police-<cc>, authority-<cc>)`);
  }
  return { users, supplied, config: renderConfig([...users, ...supplied]) };
}

function list(items: readonly string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(', ')}]`;
}

function renderPermissions(p: Permissions): string {
  const part = (x: { allow: readonly string[]; deny?: readonly string[] }): string =>
    `{ allow: ${list(x.allow)}${x.deny?.length ? `, deny: ${list(x.deny)}` : ''} }`;
  return `{ publish: ${part(p.publish)}, subscribe: ${part(p.subscribe)} }`;
}

function renderConfig(users: readonly (GeneratedUser | SuppliedUser)[]): string {
  const lines = [
    '# Generated by `relay accounts generate`. Do not edit by hand: regenerate from the directory.',
    '# One account owns the streams; every tenant, service and operator is an nkey user in it with',
    '# least-privilege permissions. Include this file from the nats-server configuration.',
    'accounts {',
    '  RELAY {',
    '    jetstream: enabled',
    '    users: [',
    ...users.map((u) => `      # ${u.name} (${u.role}${'seed' in u ? '' : ', key supplied by the tenant'})\n      { nkey: ${JSON.stringify(u.publicKey)}, permissions: ${renderPermissions(u.permissions)} }`),
    '    ]',
    '  }',
    '  SYS {}',
    '}',
    'system_account: SYS',
    '',
  ];
  return lines.join('\n');
}
