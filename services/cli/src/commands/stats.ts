import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { withBus } from '../operator/connect.js';
import { parseTimeOrDuration } from '../operator/time.js';
import { outputMode, printJson, printTable } from '../output.js';
import { computeStats, type Stats, type StatsGrouping, type StatsRow } from '../stats/compute.js';
import { readFacts } from '../stats/facts.js';
import { formatDuration } from '../stats/duration-text.js';
import { registerStatsHosters } from './stats-hosters.js';

export { formatDuration } from '../stats/duration-text.js';

interface StatsOptions {
  readonly since?: string;
  readonly by: string;
  readonly json?: boolean;
}

/** The definition the figures follow, printed with them (decision 0062). */
export const TIME_TO_REMOVAL_DEFINITION =
  "INHOPE notice-and-takedown time: from the referral being issued to the hotline of the hosting country until that hotline's first CR (content removed) or CU (content unavailable) status";

function cells(r: StatsRow): string[] {
  const t = r.timeToRemoval;
  return [
    r.key,
    String(r.referrals),
    String(r.notices),
    String(r.removed),
    String(r.notIllegal),
    String(r.moved),
    String(r.open),
    formatDuration(t.medianMs),
    formatDuration(t.meanMs),
    formatDuration(t.p90Ms),
    t.count === 0 ? '-' : `${Math.round((100 * t.under3Days) / t.count)}%`,
  ];
}

function printStats(ctx: CliContext, s: Stats): void {
  printTable(
    ctx,
    [s.by, 'referrals', 'notices', 'removed', 'not illegal', 'moved', 'open', 'median ttr', 'mean ttr', 'p90 ttr', 'ttr < 3d'],
    [...s.rows.map(cells), cells(s.total)],
  );
  ctx.out(`\nttr: ${TIME_TO_REMOVAL_DEFINITION}.${s.since === null ? '' : ` Referrals and notices issued since ${s.since}.`}\n`);
}

/**
 * `relay stats [--since <time|duration>] [--by country|hoster] [--json]`:
 * referrals, notices and time to removal per country or hoster, from
 * REFERRALS, NOTICES, STATUS and the anonymised ARCHIVE, so the figures
 * outlive retention. Read-only.
 */
export function registerStats(program: Command, ctx: CliContext): void {
  const stats = program
    .command('stats')
    .description('referrals, notices and time to removal per country or hoster (INHOPE definitions)')
    .option('--since <time|duration>', 'only referrals and notices issued since then (2026-01-01, 30d)')
    .option('--by <grouping>', 'country (jurisdiction) or hoster (AS organisation)', 'country')
    .option('--json', 'print the figures as JSON, times in ms')
    .action(async (options: StatsOptions) => {
      if (options.by !== 'country' && options.by !== 'hoster') throw new UsageError(`--by: ${JSON.stringify(options.by)} must be country or hoster`);
      const by: StatsGrouping = options.by;
      const since = options.since === undefined ? undefined : parseTimeOrDuration('--since', options.since, new Date());
      const facts = await withBus(ctx, 'relay-cli-stats', (bus) => readFacts(bus));
      const stats = computeStats(facts, by, since);
      if (outputMode(options) === 'json') printJson(ctx, { definition: TIME_TO_REMOVAL_DEFINITION, ...stats });
      else printStats(ctx, stats);
    });
  registerStatsHosters(stats, ctx);
}
