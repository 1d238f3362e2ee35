import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import type { Command } from 'commander';
import { idToken } from '@relay/wire';
import type { CliContext } from '../context.js';
import { FileError, UsageError } from '../errors.js';
import { TENANT_USER } from '../keys/public-keys.js';
import { outputMode, printFields, printJson } from '../output.js';

interface KeysGenerateOptions {
  readonly org: string;
  readonly out: string;
  readonly validFrom?: string;
  readonly json?: boolean;
}

/** The directory entry of a new signing key: what the organisation hands to the relay's operators. */
export interface SignerEntry {
  readonly key: string;
  readonly notBefore?: string;
}

interface KeysLoginOptions {
  readonly user: string;
  readonly out: string;
  readonly json?: boolean;
}

/**
 * Writes a new user nkey's seed to `out` (mode 0600; never over an existing
 * file) and returns its public key.
 * @throws FileError when `out` exists or cannot be written.
 */
async function writeNewKey(out: string, what: string): Promise<string> {
  const kp = createUser();
  let file;
  try {
    file = await open(out, 'wx', 0o600);
  } catch (err) {
    throw new FileError(`cannot create ${out} (it must not exist yet: a ${what} is never overwritten)`, err);
  }
  try {
    await file.writeFile(`${new TextDecoder().decode(kp.getSeed())}\n`);
  } finally {
    await file.close();
  }
  return kp.getPublicKey();
}

/**
 * Writes a new signing key's seed to `out` (mode 0600; never over an existing
 * file) and returns its directory entry.
 * @throws FileError when `out` exists or cannot be written.
 */
export async function generateSigningKey(out: string, validFrom?: string): Promise<SignerEntry> {
  const key = await writeNewKey(out, 'signing key');
  return { key, ...(validFrom === undefined ? {} : { notBefore: validFrom }) };
}


/**
 * `relay keys generate --org <id> --out <file.nk> [--valid-from <instant>]`:
 * an organisation makes its own signing key pair, keeps the seed and hands
 * only the printed directory entry to the relay's operators (issue 16).
 * `relay keys login --user <name> --out <file.nk>`: a tenant makes its own
 * NATS login key the same way (decision 0108). Both run offline; the operator
 * never needs a private key.
 */
export function registerKeys(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description("an organisation's own keys: message signing and NATS login, kept apart");
  keys
    .command('generate')
    .description('make a signing key pair: the seed stays with you, the public key goes into the directory')
    .requiredOption('--org <id>', 'your organisation id in the directory (eokm, police-nl, dispatcher, ...)')
    .requiredOption('--out <file>', 'where the seed is written (created with mode 0600; never overwritten)')
    .option('--valid-from <instant>', 'RFC 3339 instant from which the key may sign (notBefore); default: at once')
    .option('--json', 'print the directory entry as JSON')
    .action(async (options: KeysGenerateOptions) => {
      const org = idToken('organisation', options.org);
      if (options.validFrom !== undefined && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(options.validFrom)) {
        throw new UsageError(`--valid-from must be an RFC 3339 instant like 2027-01-01T00:00:00Z (got ${JSON.stringify(options.validFrom)})`);
      }
      const out = resolve(options.out);
      const entry = await generateSigningKey(out, options.validFrom);
      if (outputMode(options) === 'json') {
        printJson(ctx, { org, seedFile: out, entry });
        return;
      }
      printFields(ctx, [
        ['Organisation', org],
        ['Seed', `${out} (keep it secret: RELAY_SIGNING_KEY_FILE of your software)`],
        ['Public key', entry.key],
        ['Valid from', entry.notBefore ?? 'at once'],
      ]);
      ctx.out(`Hand this entry to the relay's operators, to add under "signers"."${org}" in the directory:\n${JSON.stringify(entry)}\n`);
      ctx.out('Sign with it only once the directory in force lists it; retire the old key with "notAfter".\n');
    });
  keys
    .command('login')
    .description('make your NATS login key pair: the seed stays with you, the public key goes to the operators (relay accounts generate --public-keys)')
    .requiredOption('--user <name>', 'your NATS user name: hotline-<id>, police-<cc> or authority-<cc>')
    .requiredOption('--out <file>', 'where the seed is written (created with mode 0600; never overwritten)')
    .option('--json', 'print the public-keys entry as JSON')
    .action(async (options: KeysLoginOptions) => {
      if (!TENANT_USER.test(options.user)) {
        throw new UsageError(`--user must be a tenant user name like hotline-eokm, police-nl or authority-nl (got ${JSON.stringify(options.user)})`);
      }
      const out = resolve(options.out);
      const key = await writeNewKey(out, 'login key');
      const entry = { [options.user]: key };
      if (outputMode(options) === 'json') {
        printJson(ctx, { user: options.user, seedFile: out, entry });
        return;
      }
      printFields(ctx, [
        ['User', options.user],
        ['Seed', `${out} (keep it secret: NATS_NKEY_SEED_FILE of your software; never a signing key)`],
        ['Public key', key],
      ]);
      ctx.out(`Hand this entry to the relay's operators, for the file they give relay accounts generate --public-keys:\n${JSON.stringify(entry)}\n`);
    });
}
