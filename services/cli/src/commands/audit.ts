import type { Command } from 'commander';
import { type Bus, busConfigFromEnv, connectBus, isConfigError } from '@relay/bus';
import { parseDuration } from '@relay/directory';
import type { CliContext } from '../context.js';
import { FindingsError, UnavailableError, UsageError } from '../errors.js';
import { outputMode, printFields, printJson, printTable } from '../output.js';
import type { Reconciliation } from '../reconcile/check.js';
import { reconcile } from '../reconcile/reconcile.js';

interface AuditOptions {
  readonly json?: boolean;
  readonly since?: string;
}

/**
 * `--since` as a time: an ISO 8601 time, or a duration back from now (`15m`, `24h`, `7d`).
 * @throws UsageError when it is neither.
 */
export function parseSince(text: string, now: Date): Date {
  const back = parseDuration(text);
  if (back !== undefined) return new Date(now.getTime() - back);
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`--since ${JSON.stringify(text)} is neither a time (2026-11-01T12:00:00Z) nor a duration (15m, 24h, 7d)`);
  return new Date(at);
}

/** Connects as the CLI to the server of `NATS_URL` (and the other NATS_* settings). */
async function connect(ctx: CliContext, name: string): Promise<Bus> {
  if (ctx.env['NATS_URL'] === undefined || ctx.env['NATS_URL'] === '') {
    throw new UsageError('NATS_URL is not set: point it at the relay\'s NATS server, e.g. NATS_URL=nats://127.0.0.1:4222');
  }
  let config;
  try {
    config = busConfigFromEnv(ctx.env, name);
  } catch (err) {
    if (isConfigError(err)) throw new UsageError(err.message, err);
    throw err;
  }
  try {
    return await connectBus(config);
  } catch (err) {
    throw new UnavailableError(`cannot reach NATS at ${config.servers.join(',')}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

function printReconciliation(ctx: CliContext, r: Reconciliation, since: Date | undefined): void {
  printFields(ctx, [
    ['Reports', `${r.reports}${since ? ` (stored since ${since.toISOString()})` : ''}`],
    ['URLs', String(r.urls)],
    ['Routed', String(r.accounted.routed)],
    ['Held', String(r.accounted.held)],
    ['Unresolved', String(r.accounted.unresolved)],
    ['In the DLQ', String(r.accounted.dlq)],
    ['Referrals', String(r.referrals)],
    ['Notices', String(r.notices)],
    ['Lost', String(r.lost)],
    ['Duplicated', String(r.duplicated)],
  ]);
  if (r.gaps.length > 0) {
    ctx.out('\nGaps (reports not accounted for):\n');
    printTable(
      ctx,
      ['report', 'source', 'source report', 'url', 'missing', 'detail'],
      r.gaps.map((g) => [g.reportId, g.source, g.sourceReportId, g.url, g.missing, g.detail]),
    );
  }
  if (r.duplicates.length > 0) {
    ctx.out('\nDuplicates (issued more than once):\n');
    printTable(
      ctx,
      ['stream', 'rule', 'case', 'ids', 'seqs'],
      r.duplicates.map((d) => [d.stream, d.rule, d.caseId, d.ids.join(' '), d.seqs.join(' ')]),
    );
  }
}

/**
 * `relay audit [--json] [--since <time|duration>]`: reconciliation. Every
 * report in REPORTS must be accounted for by its observations, a case and its
 * referral and notices (or a held case, an UNRESOLVED observation, or a DLQ
 * entry); referrals and notices issued twice are counted. Prints each gap and
 * duplicate and exits with code 5 when there is any.
 */
export function registerAudit(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('reconcile: every report accounted for by observations, a case and its referrals or notices, or a DLQ entry; duplicates counted')
    .option('--json', 'print the reconciliation as JSON')
    .option('--since <time|duration>', 'only reports stored since this time (ISO 8601) or this long ago (15m, 24h, 7d)')
    .action(async (options: AuditOptions) => {
      const since = options.since === undefined ? undefined : parseSince(options.since, new Date());
      const bus = await connect(ctx, 'relay-audit');
      try {
        const result = await reconcile(bus, since === undefined ? {} : { since });
        if (outputMode(options) === 'json') printJson(ctx, { ...(since ? { since: since.toISOString() } : {}), ...result });
        else printReconciliation(ctx, result, since);
        if (result.lost > 0 || result.duplicated > 0) {
          throw new FindingsError(`${result.lost} report(s) not accounted for, ${result.duplicated} duplicated referral(s) or notice(s)`);
        }
      } finally {
        await bus.close();
      }
    });
}
