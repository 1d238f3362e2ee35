import type { Command } from 'commander';
import { verifyAuditChain } from '@relay/bus';
import type { CliContext } from '../context.js';
import { FindingsError } from '../errors.js';
import { withBus } from '../operator/connect.js';
import { parseDurationOption, parseTimeOrDuration } from '../operator/time.js';
import { outputMode, printFields, printJson, printTable } from '../output.js';
import type { Reconciliation } from '../reconcile/check.js';
import { reconcile } from '../reconcile/reconcile.js';
import { printAuditTrail } from './audit-trail.js';

interface AuditOptions {
  readonly json?: boolean;
  readonly since?: string;
  readonly settle: string;
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

/** The one line a failed audit ends with: what was found. */
function findings(r: Reconciliation, trailBreaks: number): string | undefined {
  const parts: string[] = [];
  if (r.lost > 0 || r.duplicated > 0) parts.push(`${r.lost} report(s) not accounted for, ${r.duplicated} duplicated referral(s) or notice(s)`);
  if (trailBreaks > 0) parts.push(`${trailBreaks} break(s) in the audit trail`);
  return parts.length === 0 ? undefined : parts.join('; ');
}

/**
 * `relay audit [--json] [--since <time|duration>]`: reconciliation. Every
 * report in REPORTS must be accounted for by its observations, a case and its
 * referral and notices (or a held case, an UNRESOLVED observation, or a DLQ
 * entry); referrals and notices issued twice are counted. Then the audit
 * trail: AUDIT's hash chain walked in full (whatever `--since` says) and
 * compared with AUDIT_MIRROR (decision 0096). On a running relay a case can
 * show a decision whose messages are still being published: the streams are
 * read on for up to `--settle` before that counts as a gap. Prints each gap,
 * duplicate and trail break, and exits with code 6 (findings) when there is any.
 */
export function registerAudit(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description('reconcile: every report accounted for by observations, a case and its referrals or notices, or a DLQ entry; duplicates counted; the audit trail\'s hash chain and mirror verified')
    .option('--json', 'print the reconciliation and the audit trail as JSON')
    .option('--settle <duration>', 'how long a decision stored in a case may take to reach REFERRALS and NOTICES before it counts as a gap (a running relay keeps deciding while the audit reads)', '5s')
    .option('--since <time|duration>', 'only reports stored since this time (ISO 8601) or this long ago (15m, 24h, 7d); the audit trail is always checked whole')
    .action(async (options: AuditOptions) => {
      const since = options.since === undefined ? undefined : parseTimeOrDuration('--since', options.since, new Date());
      const settleMs = parseDurationOption('--settle', options.settle, true);
      const { result, trail } = await withBus(ctx, 'relay-audit', async (bus) => ({
        result: await reconcile(bus, { settleMs, ...(since === undefined ? {} : { since }) }),
        trail: await verifyAuditChain(bus),
      }));
      if (outputMode(options) === 'json') printJson(ctx, { ...(since ? { since: since.toISOString() } : {}), ...result, auditTrail: trail });
      else {
        printReconciliation(ctx, result, since);
        ctx.out('\n');
        printAuditTrail(ctx, trail);
      }
      const found = findings(result, trail.breaks.length);
      if (found !== undefined) throw new FindingsError(found);
    });
}
