import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type GeneratedAccounts, generateAccounts, PublicKeyInvalidError, readExistingSeeds, signingKeyName, type Tenants, type TenantKeyOptions, TenantKeysMissingError, writeAccounts } from '@relay/accounts';
import { type AuditEntry, recordAudit } from '@relay/bus';
import { loadDirectoryFile, tenantsOf, webhookTenants } from '@relay/directory';
import { idToken } from '@relay/wire';
import type { CliContext } from '../context.js';
import { FileError, UsageError } from '../errors.js';
import { readPublicKeys } from '../keys/public-keys.js';
import { checkNatsConfig, natsServerBinary } from '../dev/nats-binary.js';
import { outputMode, printFields, printJson, printTable } from '../output.js';
import { actorOf } from '../operator/audit.js';
import { natsUrlOf, withBus } from '../operator/connect.js';

interface GenerateOptions {
  readonly directory: string;
  readonly out: string;
  readonly operator: string[];
  readonly reason: string;
  readonly actor?: string;
  readonly natsUrl?: string;
  readonly offline?: boolean;
  readonly publicKeys?: string;
  readonly generateTenantKeys?: boolean;
  readonly json?: boolean;
}

/**
 * {@link generateAccounts} with its refusals as CLI errors: a tenant without a
 * public login key is a usage error (hand over the key, or say
 * --generate-tenant-keys), a malformed or unknown key a file error.
 */
function generate(tenants: Tenants, existing: ReadonlyMap<string, string>, keys: TenantKeyOptions): GeneratedAccounts {
  try {
    return generateAccounts(tenants, existing, keys);
  } catch (err) {
    if (err instanceof TenantKeysMissingError) throw new UsageError(err.message, err);
    if (err instanceof PublicKeyInvalidError) throw new FileError(err.message, err);
    throw err;
  }
}

/** The local audit log of an `--offline` generation, beside the accounts it records. */
const OFFLINE_AUDIT_FILE = 'audit.jsonl';

/**
 * Records the generation: in the AUDIT stream, or with `--offline` (the first
 * bootstrap, before any server runs these accounts) in `<out>/audit.jsonl`
 * (decision 0054). Called before anything is written.
 */
async function audit(ctx: CliContext, options: GenerateOptions, entry: AuditEntry): Promise<string> {
  if (options.offline === true) {
    await mkdir(options.out, { recursive: true, mode: 0o700 });
    const line = { ...entry, occurredAt: new Date().toISOString(), host: hostname(), recordedOffline: true };
    await appendFile(resolve(options.out, OFFLINE_AUDIT_FILE), `${JSON.stringify(line)}\n`);
    return `${resolve(options.out, OFFLINE_AUDIT_FILE)} (offline: not in AUDIT)`;
  }
  const stored = await withBus(ctx, 'relay-accounts', (bus) => recordAudit(bus, entry));
  return `${stored.stream} #${stored.seq}`;
}

/**
 * `relay accounts generate --directory <file> --out <dir> [--operator <name>...]
 * --reason "..."`: one nkey user per hotline, police liaison and authority of
 * the directory, per service and per operator, keeping the keys of an earlier
 * generation in `<dir>`; audited, then written, then checked with `nats-server -t`.
 */
export function registerAccounts(program: Command, ctx: CliContext): void {
  const accounts = program.command('accounts').description('NATS accounts and nkey users for every tenant, service and operator');

  accounts
    .command('generate')
    .description('generate (or regenerate, keeping existing keys) the accounts config and credentials from a directory')
    .requiredOption('--directory <file>', 'the hotline directory the tenants come from')
    .requiredOption('--out <dir>', 'where accounts.conf, users/<name>.nk|.signing.nk|.env and signers.json are written')
    .option('--operator <name...>', 'operator user names (lower-case ids), e.g. --operator alice bob', [])
    .requiredOption('--reason <text>', 'why accounts are generated (kept in the audit trail)')
    .option('--actor <name>', 'who generates them (default: your NATS user, else NATS_CLIENT_NAME, else the OS user)')
    .option('--nats-url <url>', 'the server URL written into each user .env file (default: NATS_URL, else the dev stack)')
    .option('--public-keys <file>', 'the tenants\' own public login keys, {"hotline-eokm": "U...", ...} (relay keys login): no seed is made or kept for them')
    .option('--generate-tenant-keys', 'make login and signing keys here for tenants without a public key (development and tests only; default: refuse)')
    .option('--offline', `do not record in AUDIT (no server runs yet): append the record to <out>/${OFFLINE_AUDIT_FILE}`)
    .option('--json', 'print the users (never their seeds) and the files as JSON')
    .action(async (options: GenerateOptions) => {
      const directory = loadDirectoryFile(options.directory);
      const operators = options.operator.map((o) => idToken('operator', o));
      const bin = natsServerBinary(ctx.env);
      const out = resolve(options.out);
      const existing = await readExistingSeeds(out);
      const publicKeys = options.publicKeys === undefined ? undefined : await readPublicKeys(options.publicKeys);
      const generated = generate({ ...tenantsOf(directory), webhookHotlines: webhookTenants(directory).map((t) => t.hotline), operators }, existing, {
        ...(publicKeys === undefined ? {} : { publicKeys }),
        generateTenantKeys: options.generateTenantKeys === true,
      });
      const created = generated.users.filter((u) => !existing.has(u.name)).map((u) => u.name);
      const supplied = new Set(generated.supplied.map((u) => u.name));
      // Users of an earlier generation the directory no longer has (a hotline whose membership is
      // not confirmed, decision 0091): absent from accounts.conf, so they can no longer log in.
      const names = new Set([...generated.users.map((u) => u.name), ...supplied]);
      const dropped = [...existing.keys()].filter((name) => !name.endsWith('.signing') && !names.has(name)).sort();

      const recorded = await audit(ctx, options, {
        actor: actorOf(ctx, options.actor),
        action: 'accounts-generate',
        target: out,
        reason: options.reason,
        details: {
          directory: options.directory,
          users: String(generated.users.length),
          created: created.join(' '),
          supplied: [...supplied].join(' '),
          dropped: dropped.join(' '),
          operators: operators.join(' '),
        },
      });
      const removed = await writeAccounts(out, generated, options.natsUrl ?? natsUrlOf(ctx));
      // Check what was written, as a server including it would read it.
      await checkNatsConfig(bin, await readFile(resolve(out, 'accounts.conf'), 'utf8'));

      const users = [
        ...generated.users.map((u) => ({
          name: u.name,
          role: u.role,
          org: u.org,
          publicKey: u.publicKey,
          keys: created.includes(u.name) ? 'new' : 'kept',
          seedFile: resolve(out, 'users', `${u.name}.nk`),
          ...(u.signingKey === undefined ? {} : { signingKey: u.signingKey.publicKey, signingKeyFile: resolve(out, 'users', `${signingKeyName(u.name)}.nk`) }),
          envFile: resolve(out, 'users', `${u.name}.env`),
        })),
        ...generated.supplied.map((u) => ({
          name: u.name,
          role: u.role,
          org: u.org,
          publicKey: u.publicKey,
          keys: 'supplied',
          envFile: resolve(out, 'users', `${u.name}.env`),
        })),
      ];
      if (outputMode(options) === 'json') {
        printJson(ctx, { out, config: resolve(out, 'accounts.conf'), signers: resolve(out, 'signers.json'), users, dropped, removed, audit: recorded, check: 'valid' });
        return;
      }
      printTable(
        ctx,
        ['user', 'role', 'keys', 'public key'],
        users.map((u) => [u.name, u.role, u.keys, u.publicKey]),
      );
      ctx.out('\n');
      printFields(ctx, [
        ['Config', `${resolve(out, 'accounts.conf')} (include it from the nats-server configuration)`],
        ['Credentials', `${resolve(out, 'users')}/<user>.nk (login seed, mode 0600), <user>.signing.nk (signing seed) and <user>.env (NATS_* settings)`],
        ['Signers', `${resolve(out, 'signers.json')} (the generated signing keys, never a login key: put them into the directory's "signers")`],
        ['Users', `${users.length} (${created.length} new, ${generated.users.length - created.length} kept their keys, ${supplied.size} supplied their own)`],
        ...(removed.length === 0 ? [] : ([['Removed', `${removed.join(', ')}: the tenant now supplies its own key`]] as [string, string][])),
        ...(dropped.length === 0
          ? []
          : ([['Dropped', `${dropped.join(', ')}: no longer in the directory's tenants; their seed files in users/ no longer log in (remove them)`]] as [string, string][])),
        ['Audit record', recorded],
        ['nats-server -t', 'accounts.conf is valid'],
      ]);
    });
}
