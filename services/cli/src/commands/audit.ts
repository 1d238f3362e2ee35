import type { Command } from 'commander';
import { configIssues, hostSetting, portSetting, verifyAuditChain } from '@relay/bus';
import { z } from 'zod';
import type { CliContext } from '../context.js';
import { FindingsError, UsageError } from '../errors.js';
import { requireReason } from '../operator/audit.js';
import { connectCli, withBus } from '../operator/connect.js';
import { parseDurationOption, parseTimeOrDuration } from '../operator/time.js';
import { outputMode, printFields, printJson, printTable } from '../output.js';
import type { Reconciliation } from '../reconcile/check.js';
import { reconcile } from '../reconcile/reconcile.js';
import { AFTER_ELECTION_MS, followAudits, type FollowRound } from './audit-follow.js';
import { type FollowOps, startFollowOps } from './audit-follow-ops.js';
import { printRepair, repairGaps, type RepairSummary } from './audit-repair.js';
import { onInterrupt } from './interrupt.js';
import { printAuditTrail } from './audit-trail.js';

interface AuditOptions {
  readonly json?: boolean;
  readonly since?: string;
  readonly settle: string;
  readonly repair?: boolean;
  readonly reason?: string;
  readonly actor?: string;
  readonly wait: string;
  readonly follow?: boolean;
  readonly every: string;
  readonly rounds?: string;
  readonly roundTimeout: string;
}

/** `--repair` needs a reason for the audit trail; `--reason` and `--actor` mean nothing without it. */
function repairOptionsOf(options: AuditOptions): { reason: string; actor?: string } | undefined {
  if (options.repair !== true) {
    if (options.reason !== undefined || options.actor !== undefined) throw new UsageError('--reason and --actor go with --repair (a plain audit only reads)');
    return undefined;
  }
  if (options.reason === undefined) throw new UsageError('--repair needs --reason <text>: why you re-drive what the audit found missing, for the audit trail');
  const audited = { reason: options.reason, ...(options.actor === undefined ? {} : { actor: options.actor }) };
  requireReason(audited);
  return audited;
}

function printReconciliation(ctx: CliContext, r: Reconciliation, since: Date | undefined): void {
  printFields(ctx, [
    ['Reports', `${r.reports}${since ? ` (stored since ${since.toISOString()})` : ''}`],
    ['URLs', String(r.urls)],
    ['Routed', String(r.accounted.routed)],
    ['Held', String(r.accounted.held)],
    ['Unresolved', String(r.accounted.unresolved)],
    ['In the DLQ', String(r.accounted.dlq)],
    ['In flight', String(r.accounted.pending)],
    ['Rechecked cases', `${r.rechecked.cases} (no report in scope; ${r.rechecked.pending} in flight)`],
    ['Referrals', String(r.referrals)],
    ['Notices', String(r.notices)],
    ['Lost', String(r.lost)],
    ['Duplicated', String(r.duplicated)],
  ]);
  if (r.gaps.length > 0) {
    ctx.out('\nGaps (reports, or rechecked cases, not accounted for):\n');
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
  if (r.lost > 0 || r.duplicated > 0) parts.push(`${r.lost} report(s) or rechecked case(s) not accounted for, ${r.duplicated} duplicated referral(s) or notice(s)`);
  if (trailBreaks > 0) parts.push(`${trailBreaks} break(s) in the audit trail`);
  return parts.length === 0 ? undefined : parts.join('; ');
}

const AFTER_ELECTION_S = AFTER_ELECTION_MS / 1000;

/** A positive whole number of rounds, or undefined. */
function roundsOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--rounds ${JSON.stringify(text)} must be a positive whole number`);
  return Number(text);
}

/** What a follow round audits unless `--since` says: longer than `--every` (15m), so rounds overlap. */
const FOLLOW_SINCE = '30m';

/**
 * `relay audit --follow`: rounds of the reconciliation (and repair) over the
 * last `--since` (a duration here), until Ctrl-C or `--rounds`. Exits 0 when
 * interrupted; after `--rounds`, with the last round's findings.
 */
async function follow(ctx: CliContext, options: AuditOptions): Promise<void> {
  const windowMs = parseDurationOption('--since', options.since ?? FOLLOW_SINCE);
  const roundTimeoutMs = parseDurationOption('--round-timeout', options.roundTimeout);
  const everyMs = parseDurationOption('--every', options.every);
  const settleMs = parseDurationOption('--settle', options.settle, true);
  const waitMs = parseDurationOption('--wait', options.wait, true);
  const repair = repairOptionsOf(options);
  const rounds = roundsOf(options.rounds);
  const ops = opsSettingsOf(ctx);
  // This connection hears leader elections; each round opens its own (audit-follow.ts).
  const bus = await connectCli(ctx, 'relay-audit-follow');
  const stop = new AbortController();
  const stopListening = onInterrupt(() => stop.abort());
  let served: FollowOps | undefined;
  try {
    if (ops !== undefined) served = await startFollowOps(bus, { ...ops, everyMs });
    ctx.err(`auditing the last ${options.since ?? FOLLOW_SINCE} of reports at start, ${AFTER_ELECTION_S}s after a leader election and every ${options.every}${repair ? ', repairing what is lost' : ''}; Ctrl-C stops\n`);
    const last = await followAudits(bus, () => connectCli(ctx, 'relay-audit-follow-round'), ctx, {
        windowMs,
        everyMs,
        roundTimeoutMs,
        settleMs,
        waitMs,
        json: outputMode(options) === 'json',
        ...(repair ? { repair } : {}),
        ...(rounds === undefined ? {} : { rounds }),
        ...(served ? { onRound: (r: FollowRound) => served?.record(r) } : {}),
      }, stop.signal);
    const found = stop.signal.aborted || last?.result === undefined ? undefined : findings(last.result, 0);
    if (found !== undefined) throw new FindingsError(found);
  } finally {
    stopListening();
    await served?.stop();
    await bus.close().catch(() => undefined);
  }
}

const opsEnvSchema = z.object({ RELAY_OPS_PORT: portSetting(0), RELAY_OPS_HOST: hostSetting('127.0.0.1') });

/** Where `--follow` serves /metrics and /healthz: only when `RELAY_OPS_PORT` is set (a deployment). */
function opsSettingsOf(ctx: CliContext): { host: string; port: number } | undefined {
  if (ctx.env['RELAY_OPS_PORT'] === undefined) return undefined;
  const parsed = opsEnvSchema.safeParse({ RELAY_OPS_PORT: ctx.env['RELAY_OPS_PORT'], RELAY_OPS_HOST: ctx.env['RELAY_OPS_HOST'] });
  if (!parsed.success) throw new UsageError(`invalid setting: ${configIssues(parsed.error).join('; ')}`);
  return { host: parsed.data.RELAY_OPS_HOST, port: parsed.data.RELAY_OPS_PORT };
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
    .description('reconcile: every report accounted for by observations, a case and its referrals or notices, or a DLQ entry; duplicates counted; the audit trail\'s hash chain and mirror verified; --repair re-drives observations, referrals and notices the broker lost')
    .option('--json', 'print the reconciliation and the audit trail as JSON')
    .option('--settle <duration>', 'how long a decision stored in a case may take to reach REFERRALS and NOTICES before it counts as a gap (a running relay keeps deciding while the audit reads)', '5s')
    .option('--since <time|duration>', 'only reports stored since this time (ISO 8601) or this long ago (15m, 24h, 7d); the audit trail is always checked whole')
    .option('--repair', 're-drive what the broker acknowledged and lost (gaps `observation`, `case` and `outbox`), then audit again (audited; decision 0154)')
    .option('--reason <text>', 'with --repair: why, for the audit trail (AUDIT stream)')
    .option('--actor <name>', 'with --repair: who you are, for the audit trail (default: your NATS user, else NATS_CLIENT_NAME, else your OS user)')
    .option('--wait <duration>', 'with --repair: how long to wait until what was re-driven is accounted for; 0 = do not wait', '30s')
    .option('--follow', `keep auditing (with --repair: and repairing) the last --since (default ${FOLLOW_SINCE}) of reports: at start, 10 s after any stream elects a leader, and every --every; one line per round, until Ctrl-C (decision 0155)`)
    .option('--every <duration>', 'with --follow: the longest time between two rounds', '15m')
    .option('--round-timeout <duration>', 'with --follow: a round still running after this is cut off and tried again (a round with findings reads twice: size --since so that fits, docs/operations.md)', '10m')
    .option('--rounds <n>', 'with --follow: stop after n rounds')
    .action(async (options: AuditOptions) => {
      if (options.follow === true) return follow(ctx, options);
      if (options.rounds !== undefined) throw new UsageError('--rounds goes with --follow');
      const since = options.since === undefined ? undefined : parseTimeOrDuration('--since', options.since, new Date());
      const settleMs = parseDurationOption('--settle', options.settle, true);
      const repair = repairOptionsOf(options);
      const waitMs = parseDurationOption('--wait', options.wait, true);
      const scope = { settleMs, ...(since === undefined ? {} : { since }) };
      const { result, repaired, trail } = await withBus(ctx, 'relay-audit', async (bus) => {
        const first = await reconcile(bus, scope);
        const done: { after: Reconciliation; summary?: RepairSummary } = repair ? await repairGaps(bus, ctx, repair, first, scope, waitMs) : { after: first };
        return { result: done.after, repaired: done.summary, trail: await verifyAuditChain(bus) };
      });
      if (outputMode(options) === 'json') printJson(ctx, { ...(since ? { since: since.toISOString() } : {}), ...result, ...(repaired ? { repair: repaired } : {}), auditTrail: trail });
      else {
        if (repaired) printRepair(ctx, repaired);
        printReconciliation(ctx, result, since);
        ctx.out('\n');
        printAuditTrail(ctx, trail);
      }
      const found = findings(result, trail.breaks.length);
      if (found !== undefined) throw new FindingsError(found);
    });
}
