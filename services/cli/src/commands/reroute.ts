import type { Command } from 'commander';
import type { Bus } from '@relay/bus';
import { readDirectory } from '@relay/directory';
import { countryToken } from '@relay/wire';
import type { CliContext } from '../context.js';
import { IncompleteError, UnavailableError, UsageError } from '../errors.js';
import { type AuditedOptions, auditBeforeActing, auditedOptions, requireReason } from '../operator/audit.js';
import { withBus } from '../operator/connect.js';
import { parseDurationOption, parseTimeOrDuration } from '../operator/time.js';
import { outputMode, printJson, printTable } from '../output.js';
import { startCounter } from '../progress.js';
import { askDispatcher } from '../reroute/ask.js';
import { trackDecisions } from '../reroute/decisions.js';
import { findReroutes } from '../reroute/find.js';
import type { CaseFilter, RerouteFinding, RouteEnd } from '../reroute/plan.js';

interface RerouteOptions extends AuditedOptions {
  readonly since?: string;
  readonly country?: string;
  readonly wait: string;
  readonly json?: boolean;
}

/** Re-route observations in flight at once (each awaits its acknowledgement). */
const ASK_WINDOW = 128;

type Moved = Extract<RerouteFinding, { kind: 'reroute' | 'closed' }>;

/** One case reroute asked the dispatcher to re-decide, and what came of it. */
export interface Rerouted {
  readonly caseId: string;
  readonly url: string;
  readonly from: RouteEnd & { readonly referralId: string };
  readonly to: RouteEnd;
  /** The referral the dispatcher issued to `to`; undefined while pending. */
  readonly referralId?: string;
}

/** What a reroute did. */
export interface RerouteResult {
  readonly directoryRevision: number;
  /** Cases looked at (open, and with --since recently referred closed ones). */
  readonly evaluated: number;
  /** Cases whose route is the same under this revision: nothing was sent. */
  readonly unchanged: number;
  readonly rerouted: readonly Rerouted[];
  /** Asked, but the dispatcher had not re-decided them when the wait ended. */
  readonly pending: readonly Rerouted[];
  /** Closed cases that would now go elsewhere; not re-sent. */
  readonly closed: readonly Omit<Rerouted, 'referralId'>[];
  /** `AUDIT:<seq>`. */
  readonly audit: string;
}

function filterOf(options: RerouteOptions, now: Date): CaseFilter {
  let country: string | undefined;
  if (options.country !== undefined) {
    try {
      country = countryToken(options.country.toUpperCase());
    } catch (err) {
      throw new UsageError(`--country: ${JSON.stringify(options.country)} is not an ISO 3166-1 alpha-2 code`, err);
    }
  }
  const since = options.since === undefined ? undefined : parseTimeOrDuration('--since', options.since, now).getTime();
  return { ...(country === undefined ? {} : { country }), ...(since === undefined ? {} : { since }) };
}

/**
 * Reads every case once to find those to move (memory holds findings, not
 * cases), writes the audit record with the counts, then asks the dispatcher
 * case by case with a window of publishes in flight, and watches the case
 * bucket until the asked cases are re-decided (decision 0065).
 */
async function reroute(bus: Bus, ctx: CliContext, options: RerouteOptions, filter: CaseFilter, waitMs: number): Promise<RerouteResult> {
  const stored = await readDirectory(bus);
  if (!stored) throw new UnavailableError('no hotline directory is stored: apply one first (`relay directory apply <file>`)');
  // First pass: read every case and keep only what needs action, so the audit record can say how much.
  const found = await findReroutes(bus, stored.directory, filter, (keys) => startCounter(ctx, 'reroute: reading', keys, 'cases'));
  const asked = [...found.reroute.values()];
  const audit = await auditBeforeActing(bus, ctx, options, {
    action: 'reroute',
    target: `open cases${filter.country === undefined ? '' : ` in ${filter.country}`} under directory revision ${stored.revision}`,
    details: {
      directoryRevision: String(stored.revision),
      evaluated: String(found.evaluated),
      reroute: String(asked.length),
      ...(filter.country === undefined ? {} : { country: filter.country }),
      ...(filter.since === undefined ? {} : { since: new Date(filter.since).toISOString() }),
    },
  });
  // Watching starts before the first observation is published, so no decision goes unseen.
  const tracker = waitMs > 0 && asked.length > 0 ? await trackDecisions(bus) : undefined;
  try {
    const asking = startCounter(ctx, 'reroute: asking', asked.length, 'cases');
    try {
      await askDispatcher(bus, asked, stored.directory, { auditSeq: audit.seq, window: ASK_WINDOW, ...(tracker ? { tracker } : {}), progress: (n) => asking.update(n) });
    } finally {
      asking.stop();
    }
    if (tracker) {
      const deciding = startCounter(ctx, 'reroute: re-decided', asked.length, 'cases');
      try {
        await tracker.settle(waitMs, (n) => deciding.update(n));
      } finally {
        deciding.stop();
      }
    }
  } finally {
    tracker?.stop();
  }
  const decided = tracker?.decided ?? new Map<string, string>();
  const strip = ({ caseId, url, from, to }: Moved) => ({ caseId, url, from, to });
  return {
    directoryRevision: stored.revision,
    evaluated: found.evaluated,
    unchanged: found.unchanged,
    rerouted: asked.flatMap((f) => {
      const referralId = decided.get(f.caseId);
      return referralId === undefined ? [] : [{ ...strip(f), referralId }];
    }),
    pending: asked.filter((f) => !decided.has(f.caseId)).map(strip),
    closed: [...found.closed.values()].map(strip),
    audit: `${audit.stream}:${audit.seq}`,
  };
}

function printResult(ctx: CliContext, r: RerouteResult): void {
  const row = (state: string, x: Omit<Rerouted, 'referralId'> & { referralId?: string }) => [
    state,
    x.caseId,
    x.url,
    `${x.from.jurisdiction}/${x.from.hotline}`,
    `${x.to.jurisdiction}/${x.to.hotline}`,
    x.referralId ?? '',
  ];
  const rows = [...r.rerouted.map((x) => row('rerouted', x)), ...r.pending.map((x) => row('pending', x)), ...r.closed.map((x) => row('closed-kept', x))];
  ctx.out(`Directory revision ${r.directoryRevision}: ${r.evaluated} cases evaluated, ${r.unchanged} unchanged, ${r.rerouted.length} rerouted, ${r.pending.length} pending, ${r.closed.length} closed and kept. Audit record ${r.audit}.\n`);
  if (rows.length > 0) printTable(ctx, ['state', 'case', 'url', 'from', 'to', 'new referral'], rows);
}

/**
 * `relay reroute [--since <time|duration>] [--country CC] [--wait 30s] --reason`:
 * after a directory change, asks the dispatcher to re-decide every open case
 * that the directory in force routes elsewhere, by re-publishing the case's
 * latest observation as the answer to a MANUAL recheck. The dispatcher emits
 * what changed (a REROUTED referral superseding the old one), never a second
 * copy of a referral already sent. `--wait` ends the wait once no case was
 * re-decided for that long, so a large run waits as long as the dispatcher
 * keeps deciding.
 */
export function registerReroute(program: Command, ctx: CliContext): void {
  const command = program
    .command('reroute')
    .description('after a directory change, send open cases the directory now routes elsewhere to their new hotline (audited)')
    .option('--since <time|duration>', 'also list closed cases whose referral was issued since then (closed cases are never re-sent)')
    .option('--country <CC>', 'only cases whose current jurisdiction is this country')
    .option('--wait <duration>', 'wait while the dispatcher re-decides cases, until none was re-decided for this long; 0 = do not wait', '30s')
    .option('--json', 'print the result as JSON');
  auditedOptions(command).action(async (options: RerouteOptions) => {
    const filter = filterOf(options, new Date());
    const waitMs = parseDurationOption('--wait', options.wait, true);
    requireReason(options);
    const result = await withBus(ctx, 'relay-cli-reroute', (bus) => reroute(bus, ctx, options, filter, waitMs));
    if (outputMode(options) === 'json') printJson(ctx, result);
    else printResult(ctx, result);
    if (waitMs > 0 && result.pending.length > 0) {
      throw new IncompleteError(`${result.pending.length} case(s) not rerouted yet: the dispatcher may not have the new directory yet; run reroute again`);
    }
  });
}
