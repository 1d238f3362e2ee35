import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { FindingsError } from '../errors.js';
import { withBus } from '../operator/connect.js';
import { parseTimeOrDuration } from '../operator/time.js';
import { outputMode, printFields, printJson, printTable } from '../output.js';
import type { Reconciliation } from '../reconcile/check.js';
import { reconcile } from '../reconcile/reconcile.js';

interface AuditOptions {
  readonly json?: boolean;
  readonly since?: string;
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
 * duplicate and exits with code 6 (findings) when there is any.
 */
export function registerAudit(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('reconcile: every report accounted for by observations, a case and its referrals or notices, or a DLQ entry; duplicates counted')
    .option('--json', 'print the reconciliation as JSON')
    .option('--since <time|duration>', 'only reports stored since this time (ISO 8601) or this long ago (15m, 24h, 7d)')
    .action(async (options: AuditOptions) => {
      const since = options.since === undefined ? undefined : parseTimeOrDuration('--since', options.since, new Date());
      const result = await withBus(ctx, 'relay-audit', (bus) => reconcile(bus, since === undefined ? {} : { since }));
      if (outputMode(options) === 'json') printJson(ctx, { ...(since ? { since: since.toISOString() } : {}), ...result });
      else printReconciliation(ctx, result, since);
      if (result.lost > 0 || result.duplicated > 0) {
        throw new FindingsError(`${result.lost} report(s) not accounted for, ${result.duplicated} duplicated referral(s) or notice(s)`);
      }
    });
}
