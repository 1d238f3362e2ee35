import type { Command } from 'commander';
import { idToken } from '@relay/wire';
import type { CliContext } from '../context.js';
import { IncompleteError, UsageError } from '../errors.js';
import { type DlqEntry, getEntry, listEntries } from '../dlq/entries.js';
import { redrive, type RedriveOutcome } from '../dlq/redrive.js';
import { type AuditedOptions, auditBeforeActing, auditedOptions, requireReason } from '../operator/audit.js';
import { withBus } from '../operator/connect.js';
import { decodePayload } from '../operator/decode.js';
import { outputMode, printFields, printJson, printTable } from '../output.js';

interface ListOptions {
  readonly service?: string;
  readonly json?: boolean;
}

interface RedriveOptions extends AuditedOptions {
  readonly all?: boolean;
  readonly service?: string;
  readonly json?: boolean;
}

function serviceOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return idToken('service', text);
  } catch (err) {
    throw new UsageError(`--service: ${JSON.stringify(text)} is not a service id (lower-case letters, digits, "-")`, err);
  }
}

function seqOf(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${JSON.stringify(text)} is not a DLQ sequence number (see \`relay dlq list\`)`);
  return n;
}

const summary = (e: DlqEntry) => ({
  seq: e.seq,
  time: e.time.toISOString(),
  service: e.service,
  error: e.error,
  subject: e.subject,
  source: e.source,
  msgId: e.msgId,
  type: e.type,
});

function printList(ctx: CliContext, entries: readonly DlqEntry[]): void {
  if (entries.length === 0) {
    ctx.out('The DLQ is empty.\n');
    return;
  }
  const short = (text: string) => (text.length > 60 ? `${text.slice(0, 59)}…` : text);
  printTable(
    ctx,
    ['seq', 'time', 'service', 'code', 'error', 'subject', 'source'],
    entries.map((e) => [String(e.seq), e.time.toISOString(), e.service, e.error.code, short(e.error.message), e.subject, e.source]),
  );
}

function printShow(ctx: CliContext, e: DlqEntry): void {
  const decoded = decodePayload(e);
  printFields(ctx, [
    ['DLQ sequence', String(e.seq)],
    ['Dead-lettered at', e.time.toISOString()],
    ['Service', e.service],
    ['Error', `${e.error.code}: ${e.error.message}`],
    ['Original subject', e.subject],
    ['Consumed from', e.source],
    ['Message id', e.msgId],
    ['Type', e.type],
  ]);
  ctx.out('\n');
  printTable(
    ctx,
    ['header', 'value'],
    Object.entries(e.headers).map(([k, v]) => [k, v]),
  );
  ctx.out('\n');
  ctx.out(decoded.decodeError === undefined ? `${JSON.stringify(decoded.message, null, 2)}\n` : `The payload does not decode: ${decoded.decodeError}\n${Buffer.from(e.data).toString('base64')}\n`);
}

function outcomeRow(o: RedriveOutcome): string[] {
  switch (o.kind) {
    case 'redriven':
      return [String(o.seq), o.subject, o.msgId, `redriven as ${o.storedAs}`];
    case 'already-redriven':
      return [String(o.seq), o.subject, o.msgId, `already redriven (${o.storedAs}); entry removed`];
    case 'held':
      return [String(o.seq), o.subject, o.msgId, `held: the original is inside its stream's duplicate window until ${o.until}; redrive after that`];
    case 'refused':
      return [String(o.seq), '', '', `refused: ${o.reason}`];
    case 'missing':
      return [String(o.seq), '', '', 'no such DLQ entry'];
  }
}

async function redriveAll(ctx: CliContext, seqs: readonly string[], options: RedriveOptions): Promise<{ outcomes: RedriveOutcome[]; audit: string }> {
  if (options.all === true && seqs.length > 0) throw new UsageError('give DLQ sequence numbers or --all, not both');
  if (options.all !== true && seqs.length === 0) throw new UsageError('name the DLQ entries to redrive (`relay dlq list`), or --all');
  if (options.service !== undefined && options.all !== true) throw new UsageError('--service goes with --all');
  const wanted = seqs.map(seqOf);
  const service = serviceOf(options.service);
  requireReason(options);
  return withBus(ctx, 'relay-cli-dlq', async (bus) => {
    const targets = options.all === true ? (await listEntries(bus, service)).map((e) => e.seq) : wanted;
    const audit = await auditBeforeActing(bus, ctx, options, {
      action: 'dlq-redrive',
      target: options.all === true ? `DLQ all${service === undefined ? '' : ` of ${service}`}` : `DLQ ${wanted.join(',')}`,
      details: { count: String(targets.length), seqs: targets.slice(0, 200).join(',') + (targets.length > 200 ? ',…' : '') },
    });
    const outcomes: RedriveOutcome[] = [];
    for (const seq of targets) outcomes.push(await redrive(bus, seq));
    return { outcomes, audit: `${audit.stream}:${audit.seq}` };
  });
}

/**
 * `relay dlq list [--service s] | show <seq> | redrive <seq...>|--all --reason`:
 * what could not be processed, why, and putting it back once fixed. A
 * redrive republishes the original payload with its original message id,
 * origin and signature, and removes the entry only after the stream stored it.
 */
export function registerDlq(program: Command, ctx: CliContext): void {
  const dlq = program.command('dlq').description('inspect and redrive messages that could not be processed');
  dlq
    .command('list')
    .description('every DLQ entry: sequence, service, error, original subject and time')
    .option('--service <service>', 'only entries of this service (locator, dispatcher, ...)')
    .option('--json', 'print the entries as JSON')
    .action(async (options: ListOptions) => {
      const service = serviceOf(options.service);
      const entries = await withBus(ctx, 'relay-cli-dlq', (bus) => listEntries(bus, service));
      if (outputMode(options) === 'json') printJson(ctx, entries.map(summary));
      else printList(ctx, entries);
    });
  dlq
    .command('show')
    .description('one DLQ entry: every header and the message decoded by its Relay-Type')
    .argument('<seq>', 'the DLQ sequence number')
    .option('--json', 'print the entry as JSON')
    .action(async (seqText: string, options: { json?: boolean }) => {
      const seq = seqOf(seqText);
      const entry = await withBus(ctx, 'relay-cli-dlq', (bus) => getEntry(bus, seq));
      if (!entry) throw new UsageError(`there is no DLQ entry ${seq} (see \`relay dlq list\`)`);
      if (outputMode(options) === 'json') {
        const decoded = decodePayload(entry);
        printJson(ctx, { ...summary(entry), headers: entry.headers, message: decoded.message, ...(decoded.decodeError === undefined ? {} : { decodeError: decoded.decodeError }), data: Buffer.from(entry.data).toString('base64') });
      } else {
        printShow(ctx, entry);
      }
    });
  const redriveCommand = dlq
    .command('redrive')
    .description('publish entries again where they came from, with their original id and signature, and remove them (audited)')
    .argument('[seq...]', 'DLQ sequence numbers')
    .option('--all', 'every entry (with --service: every entry of that service)')
    .option('--service <service>', 'with --all: only this service')
    .option('--json', 'print the outcome as JSON');
  auditedOptions(redriveCommand).action(async (seqs: string[], options: RedriveOptions) => {
    const { outcomes, audit } = await redriveAll(ctx, seqs, options);
    if (outputMode(options) === 'json') printJson(ctx, { audit, outcomes });
    else {
      ctx.out(`Audit record ${audit}.\n`);
      if (outcomes.length > 0) printTable(ctx, ['seq', 'subject', 'message id', 'outcome'], outcomes.map(outcomeRow));
    }
    const missing = outcomes.filter((o) => o.kind === 'missing').map((o) => o.seq);
    if (missing.length > 0) throw new UsageError(`there is no DLQ entry ${missing.join(', ')} (already redriven, or see \`relay dlq list\`)`);
    const left = outcomes.filter((o) => o.kind === 'held' || o.kind === 'refused').length;
    if (left > 0) throw new IncompleteError(left === 1 ? '1 entry was not redriven and stays in the DLQ' : `${left} entries were not redriven and stay in the DLQ`);
  });
}
