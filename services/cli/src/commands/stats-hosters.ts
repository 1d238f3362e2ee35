import type { Command } from 'commander';
import { isCountryCode } from '@relay/wire';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { withBus } from '../operator/connect.js';
import { printJson, printTable } from '../output.js';
import { readHosterFacts } from '../stats/hoster-facts.js';
import { computeHosterStats, HOSTER_STATS_DEFINITION, type HosterMonth, type HosterStats, monthsBetween } from '../stats/hosters.js';
import { formatDuration } from '../stats/duration-text.js';

interface HosterStatsOptions {
  readonly country: string;
  readonly from: string;
  readonly to: string;
  readonly json?: boolean;
  readonly csv?: boolean;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
/** At most ten years per run. */
const MAX_MONTHS = 120;

function destinations(m: HosterMonth): string {
  const list = Object.entries(m.destinations).map(([cc, n]) => `${cc} ${n}`);
  return list.length === 0 ? '-' : list.join(', ');
}

function hosters(m: HosterMonth): string {
  return m.hosters.length === 0 ? '-' : m.hosters.map((h) => `AS${h.asn} ${h.asOrganisation} -> ${h.to} (${h.cases})`).join('; ');
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The figures as CSV: one line per month, times in ms (empty when none). */
export function hosterStatsCsv(s: HosterStats): string {
  const header = ['month', 'hosters_departed', 'hosters', 'cases_moved_abroad', 'domains_moved_abroad', 'destinations', 'ttr_before_median_ms', 'ttr_before_count', 'ttr_after_median_ms', 'ttr_after_count'];
  const lines = s.months.map((m) =>
    [
      m.month,
      String(m.hostersDeparted),
      m.hosters.map((h) => `AS${h.asn} ${h.asOrganisation}>${h.to}:${h.cases}`).join('; '),
      String(m.casesMovedAbroad),
      String(m.domainsMovedAbroad),
      Object.entries(m.destinations).map(([cc, n]) => `${cc}:${n}`).join(' '),
      m.timeToRemovalBefore.medianMs === null ? '' : String(m.timeToRemovalBefore.medianMs),
      String(m.timeToRemovalBefore.count),
      m.timeToRemovalAfter.medianMs === null ? '' : String(m.timeToRemovalAfter.medianMs),
      String(m.timeToRemovalAfter.count),
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

/**
 * `relay stats hosters --country NL --from 2026-01 --to 2026-12 [--json|--csv]`:
 * per month, hosters that left the country in a relocation wave, cases and
 * domains moved abroad and where to, and time to removal before and after
 * (issue 18). Read-only, from the streams only.
 */
export function registerStatsHosters(stats: Command, ctx: CliContext): void {
  stats
    .command('hosters')
    .description('per month: hosters with cases that left a country, domains and cases moved abroad, where to, time to removal before and after')
    .requiredOption('--country <cc>', 'the country left (ISO 3166-1 alpha-2)')
    .requiredOption('--from <YYYY-MM>', 'first month (UTC)')
    .requiredOption('--to <YYYY-MM>', 'last month (UTC)')
    .option('--json', 'print the figures as JSON, times in ms')
    .option('--csv', 'print the figures as CSV, times in ms')
    .action(async (_options: HosterStatsOptions, command: Command) => {
      // `relay stats` has a --json of its own, which commander gives the parent: read both.
      const options = command.optsWithGlobals<HosterStatsOptions>();
      const country = options.country.toUpperCase();
      if (!isCountryCode(country)) throw new UsageError(`--country: ${JSON.stringify(options.country)} must be two letters (ISO 3166-1 alpha-2)`);
      for (const [name, value] of [['--from', options.from], ['--to', options.to]] as const) {
        if (!MONTH.test(value)) throw new UsageError(`${name}: ${JSON.stringify(value)} must be a month, YYYY-MM`);
      }
      if (options.from > options.to) throw new UsageError(`--from (${options.from}) must not be after --to (${options.to})`);
      if (monthsBetween(options.from, options.to).length > MAX_MONTHS) throw new UsageError(`--from..--to: at most ${MAX_MONTHS} months at a time`);
      if (options.json && options.csv) throw new UsageError('--json and --csv: choose one');
      const facts = await withBus(ctx, 'relay-cli-stats', (bus) => readHosterFacts(bus));
      const s = computeHosterStats(facts, country, options.from, options.to);
      if (options.csv) {
        ctx.out(hosterStatsCsv(s));
        return;
      }
      if (options.json) {
        printJson(ctx, { definition: HOSTER_STATS_DEFINITION, ...s });
        return;
      }
      printTable(
        ctx,
        ['month', 'hosters left', 'cases abroad', 'domains abroad', 'to', 'median ttr before', 'median ttr after', 'hosters'],
        s.months.map((m) => [
          m.month,
          String(m.hostersDeparted),
          String(m.casesMovedAbroad),
          String(m.domainsMovedAbroad),
          destinations(m),
          formatDuration(m.timeToRemovalBefore.medianMs),
          formatDuration(m.timeToRemovalAfter.medianMs),
          hosters(m),
        ]),
      );
      ctx.out(`\n${HOSTER_STATS_DEFINITION}\n`);
    });
}
