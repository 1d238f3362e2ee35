import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConsoleRead, type ConsoleRole, consoleReads, consoleUserOf, tenantOfRole } from '@relay/accounts';
import { type Bus, type BusConfig, ConfigError, connectBus } from '@relay/bus';
import { StreamName } from '@relay/wire';

/** One tenant's connection: the console serves the tenant's people through it and nothing else (decision 0135). */
export interface TenantBus {
  /** `hotline-eokm`, `police-nl`, `authority-nl`, `operator`. */
  readonly tenant: string;
  /** The NATS user it connects as, `console-<tenant>`: the actor of the audit records it writes. */
  readonly user: string;
  readonly bus: Bus;
  /** The streams and filters its people see; the broker refuses any other. */
  readonly reads: readonly ConsoleRead[];
}

/** The console's tenant connections, opened at the first sign-in of a tenant's person. */
export interface TenantBuses {
  of(role: ConsoleRole): Promise<TenantBus>;
  /** Whether every open connection is connected. */
  healthy(): boolean;
  close(): Promise<void>;
}

/** An operator reads every stream a page shows, whole. */
const OPERATOR_READS: readonly ConsoleRead[] = [
  { stream: StreamName.Referrals, filter: 'relay.referral.>' },
  { stream: StreamName.Notices, filter: 'relay.notice.>' },
  { stream: StreamName.Status, filter: 'relay.status.>' },
  { stream: StreamName.Dlq, filter: 'relay.dlq.>' },
];

function readsOf(role: ConsoleRole): readonly ConsoleRead[] {
  return role.kind === 'operator' ? OPERATOR_READS : consoleReads(role);
}

/** A seed file of the keys folder, or undefined when it is not there. */
function readSeed(file: string): Uint8Array | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError([`RELAY_CONSOLE_KEYS_DIR: cannot read ${file}: ${(err as Error).message}`]);
  }
}

/**
 * The settings of a tenant's connection: with `keysDir`, the console user's own login
 * (`console-<tenant>.nk`, when the server runs the generated accounts) and signing key
 * (`console-<tenant>.signing.nk`, listed in the directory under the tenant's organisation) and
 * its inbox; without (no accounts), the console's own settings.
 */
export function tenantBusConfig(base: BusConfig, keysDir: string | undefined, tenant: string): BusConfig {
  const user = consoleUserOf(tenant);
  if (keysDir === undefined) return { ...base, name: user };
  const { creds: _creds, nkeySeed: _seed, signingSeed: _signing, ...rest } = base;
  const nkeySeed = readSeed(join(keysDir, `${user}.nk`));
  const signingSeed = readSeed(join(keysDir, `${user}.signing.nk`));
  return {
    ...rest,
    name: user,
    ...(nkeySeed === undefined ? {} : { nkeySeed }),
    ...(signingSeed === undefined ? {} : { signingSeed }),
    inboxPrefix: tenant === 'operator' ? `_INBOX.operator.${user}` : `_INBOX.console.${user}`,
  };
}

/** Opens each tenant's connection once, on demand. */
export function createTenantBuses(base: BusConfig, keysDir: string | undefined): TenantBuses {
  const open = new Map<string, Promise<TenantBus>>();
  const connected = new Set<Bus>();
  return {
    of: (role) => {
      const tenant = tenantOfRole(role);
      let pending = open.get(tenant);
      if (pending === undefined) {
        pending = connectBus(tenantBusConfig(base, keysDir, tenant)).then((bus) => {
          connected.add(bus);
          return { tenant, user: consoleUserOf(tenant), bus, reads: readsOf(role) };
        });
        // A failed connect is tried again by the next sign-in.
        pending.catch(() => open.delete(tenant));
        open.set(tenant, pending);
      }
      return pending;
    },
    healthy: () => [...connected].every((b) => b.isConnected()),
    close: async () => {
      const all = [...open.values()];
      open.clear();
      connected.clear();
      await Promise.all(all.map((p) => p.then((t) => t.bus.close()).catch(() => undefined)));
    },
  };
}
