import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { recordAudit } from '@relay/bus';
import {
  DIRECTORY_KEY,
  type Directory,
  DirectoryNotLoadedError,
  isDirectoryInvalidError,
  isDirectorySignatureError,
  loadDirectoryFile,
  publishDirectory,
  readDirectory,
} from '@relay/directory';
import { KvBucket } from '@relay/wire';
import type { CliContext } from '../context.js';
import { outputMode, printFields, printJson } from '../output.js';
import { directoryCounts, printDirectory, routingChanges } from './directory-tables.js';
import { pinnedDirectoryKey, registerDirectorySigning } from './directory-signing.js';
import { actorOf } from '../operator/audit.js';
import { withBus } from '../operator/connect.js';

interface JsonOption {
  readonly json?: boolean;
  readonly directoryKey?: string;
}

interface ApplyOptions extends JsonOption {
  readonly reason: string;
  readonly actor?: string;
}

/** Loads and validates a directory file; with `--json`, a failed validation is printed as JSON before it is thrown. */
function loadChecked(ctx: CliContext, file: string, options: JsonOption, key: readonly string[] | undefined): Directory {
  try {
    return loadDirectoryFile(file, key);
  } catch (err) {
    if (outputMode(options) === 'json') {
      printJson(ctx, { file, valid: false, problems: isDirectoryInvalidError(err) ? err.issues : [err instanceof Error ? err.message : String(err)] });
    }
    throw err;
  }
}

function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * `relay directory show | validate <file> | apply <file> --reason "..."`: the
 * hotline directory the dispatchers route with (KV `relay-directory`, key
 * `current`). `apply` validates, writes an audit record, then stores the file
 * as a new revision that every dispatcher follows without a restart. With a
 * pinned directory key (`--directory-key` or RELAY_DIRECTORY_KEY) only a file
 * signed by it (`relay directory sign`) is validated, applied or shown.
 */
export function registerDirectory(program: Command, ctx: CliContext): void {
  const directory = program.command('directory').description('show, validate, sign or apply the hotline directory the dispatchers route with');
  const KEY_OPTION = ['--directory-key <public key>', 'the pinned public directory key(s), comma-separated while rotating (default RELAY_DIRECTORY_KEY): only directories one of them signed are accepted'] as const;
  const keyOf = (options: { readonly directoryKey?: string }): readonly string[] | undefined => pinnedDirectoryKey(ctx, options.directoryKey);

  directory
    .command('show')
    .description('print the directory in force: revision, hotlines per country, routing choices, authorities, deadlines')
    .option('--json', 'print the revision and the stored directory file as JSON')
    .option(...KEY_OPTION)
    .action(async (options: JsonOption) => {
      await withBus(ctx, 'relay-directory', async (bus) => {
        const stored = await readDirectory(bus, keyOf(options));
        if (!stored) throw new DirectoryNotLoadedError();
        const signed = stored.directory.signed ? { key: stored.directory.signed.key, signedAt: stored.directory.signed.signedAt } : null;
        if (outputMode(options) === 'json') printJson(ctx, { revision: stored.revision, signed, directory: stored.directory.file });
        else printDirectory(ctx, stored.directory, stored.revision);
      });
    });

  directory
    .command('validate')
    .description('check a directory file without applying it; prints every problem with its path')
    .argument('<file>', 'directory JSON, e.g. deploy/dev/directory.json')
    .option('--json', 'print {valid, problems} as JSON')
    .option(...KEY_OPTION)
    .action((file: string, options: JsonOption) => {
      const checked = loadChecked(ctx, file, options, keyOf(options));
      if (outputMode(options) === 'json') printJson(ctx, { file, valid: true, problems: [] });
      else ctx.out(`${file} is a valid directory: ${directoryCounts(checked)}\n`);
    });

  directory
    .command('apply')
    .description('validate a directory file, record the change in the audit trail, and store it as the new revision')
    .argument('<file>', 'directory JSON')
    .requiredOption('--reason <text>', 'why the directory changes (kept in the AUDIT stream)')
    .option('--actor <name>', 'who applies it (default: your NATS user, else NATS_CLIENT_NAME, else the OS user)')
    .option('--json', 'print the previous and new revision and the audit record as JSON')
    .option(...KEY_OPTION)
    .action(async (file: string, options: ApplyOptions) => {
      const key = keyOf(options);
      const next = loadChecked(ctx, file, options, key);
      await withBus(ctx, 'relay-directory', async (bus) => {
        const current = await readDirectory(bus, key).catch((err: unknown) => {
          // A stored value that no longer validates (or is not validly signed) is exactly what an apply repairs.
          if (isDirectoryInvalidError(err) || isDirectorySignatureError(err)) return undefined;
          throw err;
        });
        const changes = routingChanges(current?.directory, next);
        const audit = await recordAudit(bus, {
          actor: actorOf(ctx, options.actor),
          action: 'directory-apply',
          target: `${KvBucket.Directory}/${DIRECTORY_KEY}`,
          reason: options.reason,
          details: {
            file,
            sha256: sha256Of(file),
            previousRevision: String(current?.revision ?? 0),
            routingChanges: changes.join('; '),
            signedBy: next.signed?.key ?? 'unsigned',
          },
        });
        const revision = await publishDirectory(bus, next);
        if (outputMode(options) === 'json') {
          printJson(ctx, { file, previousRevision: current?.revision ?? null, revision, routingChanges: changes, audit: { stream: audit.stream, seq: audit.seq } });
          return;
        }
        printFields(ctx, [
          ['Applied', file],
          ['Revision', `${revision}${current ? ` (was ${current.revision})` : ' (first directory)'}`],
          ['Contents', directoryCounts(next)],
          ['Routing changes', changes.length === 0 ? 'none' : changes.join('; ')],
          ['Audit record', `${audit.stream} #${audit.seq}`],
        ]);
        ctx.out('Dispatchers route new observations with this revision now; open cases keep their hotline until they are re-routed.\n');
      });
    });
  registerDirectorySigning(directory, ctx);
}
