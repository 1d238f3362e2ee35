import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { applyRetention, type RetentionReport, tenantConsumerSpecs } from '@relay/bus';
import { readDirectory, tenantsOf } from '@relay/directory';
import { anonymisationKey } from '@relay/wire';
import type { CliContext } from '../context.js';
import { FileError, IncompleteError } from '../errors.js';
import { type AuditedOptions, auditBeforeActing, auditedOptions, requireReason } from '../operator/audit.js';
import { withBus } from '../operator/connect.js';
import { parseDurationOption } from '../operator/time.js';
import { outputMode, printFields, printJson } from '../output.js';

interface ApplyOptions extends AuditedOptions {
  readonly after: string;
  readonly keyFile: string;
  readonly json?: boolean;
}

/** The shortest key accepted: 32 bytes, as `openssl rand -hex 32` gives twice over. */
export const MIN_KEY_BYTES = 32;

/**
 * The anonymisation key from a file: its bytes without surrounding
 * whitespace, so `openssl rand -hex 32 > key` and the same key written by an
 * editor hash alike.
 * @throws FileError when it cannot be read or is shorter than 32 bytes.
 */
export function readKeyFile(path: string): Uint8Array {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    throw new FileError(`${path}: cannot read the key: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const key = anonymisationKey(text);
  if (key.length < MIN_KEY_BYTES) throw new FileError(`${path}: the key has ${key.length} bytes; use at least ${MIN_KEY_BYTES} (e.g. openssl rand -hex 32 > ${path})`);
  return key;
}

/** What `retention apply` did. */
export interface RetentionResult extends RetentionReport {
  /** Referrals and notices stored before this time were anonymised into ARCHIVE and erased. */
  readonly cutoff: string;
  /** First 12 hex digits of the key's SHA-256: which key was used, without revealing it. */
  readonly keyId: string;
  readonly audit: string;
}

/**
 * `relay retention apply --after <duration> --key-file <file> --reason`:
 * copies referrals, notices and statuses older than the period to ARCHIVE
 * with URLs, hosts, IPs and the ids derived from them replaced by keyed
 * hashes, then erases the originals (`applyRetention`, decisions 0006, 0106),
 * after writing an audit record. What a tenant has not acknowledged yet stays:
 * it is listed, and the exit code is 5 (run it again later).
 */
export function registerRetention(program: Command, ctx: CliContext): void {
  const retention = program.command('retention').description('apply the retention policy (anonymise old referrals and notices)');
  const apply = retention
    .command('apply')
    .description('anonymise referrals, notices and statuses older than --after into ARCHIVE and erase the originals once acked (audited)')
    .requiredOption('--after <duration>', 'the retention period, e.g. 180d')
    .requiredOption('--key-file <file>', 'the secret HMAC key (at least 32 bytes); keep it like a credential')
    .option('--json', 'print the result as JSON');
  auditedOptions(apply).action(async (options: ApplyOptions) => {
    const afterMs = parseDurationOption('--after', options.after);
    const key = readKeyFile(options.keyFile);
    requireReason(options);
    const now = new Date();
    const cutoff = new Date(now.getTime() - afterMs).toISOString();
    const keyId = createHash('sha256').update(key).digest('hex').slice(0, 12);
    const result: RetentionResult = await withBus(ctx, 'relay-cli-retention', async (bus) => {
      const audit = await auditBeforeActing(bus, ctx, options, {
        action: 'retention-apply',
        target: `REFERRALS, NOTICES and STATUS stored before ${cutoff}`,
        details: { after: options.after, cutoff, keyId },
      });
      // The directory names every tenant, also those whose consumer `relay topology apply` has yet to make.
      const stored = await readDirectory(bus);
      const readers = stored ? tenantConsumerSpecs(tenantsOf(stored.directory)) : [];
      const report = await applyRetention(bus, { anonymiseAfterMs: afterMs, key, now, readers });
      return { ...report, cutoff, keyId, audit: `${audit.stream}:${audit.seq}` };
    });
    if (outputMode(options) === 'json') printJson(ctx, result);
    else
      printFields(ctx, [
        ['Stored before', result.cutoff],
        ['Referrals archived', String(result.referrals)],
        ['Notices archived', String(result.notices)],
        ['Statuses archived', String(result.statuses)],
        ['Skipped (undecodable, left in place)', String(result.skipped)],
        ...result.waiting.map((w): [string, string] => [
          `Waiting for ${w.consumer}`,
          `${w.messages} on ${w.stream}, kept until it acks them${w.missing ? ' (its consumer does not exist yet: relay topology apply)' : ''}`,
        ]),
        ['Key id', result.keyId],
        ['Audit record', result.audit],
      ]);
    const waiting = result.waiting.reduce((n, w) => n + w.messages, 0);
    if (waiting > 0) {
      const who = result.waiting.map((w) => w.consumer).join(', ');
      throw new IncompleteError(`${waiting} message(s) past the period wait for ${who} to acknowledge them; run it again later`);
    }
  });
}
