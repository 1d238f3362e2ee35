import { open, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { directoryKeysSchema, generateDirectoryKey, isDirectoryInvalidError, parseDirectory, signDirectory } from '@relay/directory';
import type { CliContext } from '../context.js';
import { FileError, UsageError } from '../errors.js';
import { outputMode, printFields, printJson } from '../output.js';

interface JsonOption {
  readonly json?: boolean;
}

/**
 * The pinned directory key(s): `--directory-key`, else `RELAY_DIRECTORY_KEY`,
 * one or several comma-separated (a rotation, decision 0110); undefined when
 * neither is set (development: unsigned files accepted).
 * @throws UsageError when one is not a public operator nkey.
 */
export function pinnedDirectoryKey(ctx: CliContext, option: string | undefined): readonly string[] | undefined {
  const value = option ?? ctx.env.RELAY_DIRECTORY_KEY;
  if (value === undefined || value === '') return undefined;
  const parsed = directoryKeysSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`directory key ${JSON.stringify(value)}: must be one or more public operator nkeys (O...), comma-separated`);
  return parsed.data;
}

/**
 * Writes a new directory key's seed to `out` (mode 0600, never over an
 * existing file) and returns its public key.
 * @throws FileError when `out` exists or cannot be written.
 */
export async function generateDirectoryKeyFile(out: string): Promise<string> {
  const key = generateDirectoryKey();
  let file;
  try {
    file = await open(out, 'wx', 0o600);
  } catch (err) {
    throw new FileError(`cannot create ${out} (it must not exist yet: a directory key is never overwritten)`, err);
  }
  try {
    await file.writeFile(`${key.seed}\n`);
  } finally {
    await file.close();
  }
  return key.publicKey;
}

/**
 * Signs the directory file `file` with the seed in `keyFile` and writes the
 * signed form to `out`. Returns the signed form's key and signing time.
 * @throws FileError when a file cannot be read or written; DirectoryInvalidError when the directory does not validate.
 */
export async function signDirectoryFile(file: string, keyFile: string, out: string): Promise<{ key: string; signedAt: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new FileError(`cannot read the directory file ${file}`, err);
  }
  let seed: string;
  try {
    seed = (await readFile(keyFile, 'utf8')).trim();
  } catch (err) {
    throw new FileError(`cannot read the directory key ${keyFile}`, err);
  }
  if (!seed.startsWith('SO')) throw new FileError(`${keyFile}: not a directory key seed (SO...; made by "relay directory keygen")`);
  const directory = parseDirectory(raw, file);
  // A signed directory without signers would be refused by every service and client (decision 0111): say so now.
  if (Object.keys(directory.data.signers).length === 0) throw new FileError(`${file}: lists no signers: a signed directory must name the keys messages are verified with (decision 0111)`);
  const signed = signDirectory(directory.file, new TextEncoder().encode(seed));
  try {
    await writeFile(out, `${JSON.stringify(signed, null, 2)}\n`);
  } catch (err) {
    throw new FileError(`cannot write ${out}`, err);
  }
  return { key: signed.key, signedAt: signed.signedAt };
}

/** `relay directory keygen` and `relay directory sign`: the offline directory key (decision 0105). */
export function registerDirectorySigning(directory: Command, ctx: CliContext): void {
  directory
    .command('keygen')
    .description('generate the offline directory key: services and clients pin its public key (RELAY_DIRECTORY_KEY)')
    .requiredOption('--out <file>', 'where the seed is written (mode 0600; never overwritten; keep it offline)')
    .option('--json', 'print {seedFile, publicKey} as JSON')
    .action(async (options: JsonOption & { readonly out: string }) => {
      const out = resolve(options.out);
      const publicKey = await generateDirectoryKeyFile(out);
      if (outputMode(options) === 'json') {
        printJson(ctx, { seedFile: out, publicKey });
        return;
      }
      printFields(ctx, [
        ['Public key', publicKey],
        ['Seed', `${out} (keep it offline: it signs every directory revision)`],
      ]);
      ctx.out('Set RELAY_DIRECTORY_KEY to the public key on every service, and give it to tenants for their client.\n');
    });

  directory
    .command('sign')
    .description('sign a directory file (and its public signer list) with the offline directory key')
    .argument('<file>', 'directory JSON')
    .requiredOption('--key <seed file>', 'the directory key seed (from "relay directory keygen")')
    .requiredOption('--out <file>', 'where the signed directory is written (apply this file)')
    .option('--json', 'print {file, out, key, signedAt} as JSON')
    .action(async (file: string, options: JsonOption & { readonly key: string; readonly out: string }) => {
      try {
        const { key, signedAt } = await signDirectoryFile(file, options.key, options.out);
        if (outputMode(options) === 'json') printJson(ctx, { file, out: options.out, key, signedAt });
        else
          printFields(ctx, [
            ['Signed', `${file} -> ${options.out}`],
            ['Key', key],
            ['Signed at', signedAt],
          ]);
      } catch (err) {
        if (outputMode(options) === 'json' && isDirectoryInvalidError(err)) printJson(ctx, { file, valid: false, problems: err.issues });
        throw err;
      }
    });
}
