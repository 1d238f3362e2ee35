import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { type Bus, publishMessage } from '@relay/bus';
import { readDirectory } from '@relay/directory';
import { countryToken, RelayType, subjects, UNKNOWN_COUNTRY } from '@relay/wire';
import type { CliContext } from '../context.js';
import { IncompleteError, UnavailableError, UsageError } from '../errors.js';
import { type AuditedOptions, auditBeforeActing, auditedOptions, requireReason } from '../operator/audit.js';
import { withBus } from '../operator/connect.js';
import { parseDurationOption, parseTimeOrDuration } from '../operator/time.js';
import { outputMode, printJson, printTable } from '../output.js';
import { type CaseView, openCases, readCases } from '../reroute/cases.js';
import { type CaseFilter, findReroute, isSelected, type RerouteFinding, rerouteObservation, type RouteEnd } from '../reroute/plan.js';

interface RerouteOptions extends AuditedOptions {
  readonly since?: string;
  readonly country?: string;
  readonly wait: string;
  readonly json?: boolean;
}

/** The `Relay-Origin` and msgId prefix of what an operator's tool publishes. */
export const OPERATOR_ORIGIN = 'operator';

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

/** Waits until each case's routing is the asked one, or `waitMs` passes; returns the referral id per case. */
async function awaitDecisions(bus: Bus, asked: readonly Moved[], waitMs: number): Promise<Map<string, string>> {
  const cases = await openCases(bus);
  const done = new Map<string, string>();
  const deadline = Date.now() + waitMs;
  for (;;) {
    for (const f of asked) {
      if (done.has(f.caseId)) continue;
      const c: CaseView | undefined = (await cases.get(f.caseId))?.value;
      if (c?.routing && c.routing.hotline === f.to.hotline && c.routing.jurisdiction === f.to.jurisdiction) done.set(f.caseId, c.routing.referralId);
    }
    if (done.size === asked.length || Date.now() >= deadline) return done;
    await sleep(Math.min(200, Math.max(1, deadline - Date.now())));
  }
}

async function reroute(bus: Bus, ctx: CliContext, options: RerouteOptions, filter: CaseFilter, waitMs: number): Promise<RerouteResult> {
  const stored = await readDirectory(bus);
  if (!stored) throw new UnavailableError('no hotline directory is stored: apply one first (`relay directory apply <file>`)');
  const selected = await readCases(bus, (c) => isSelected(c, filter));
  const findings = selected.map((c) => ({ c, finding: findReroute(c, stored.directory) }));
  const toAsk = findings.filter((x): x is { c: CaseView; finding: Extract<RerouteFinding, { kind: 'reroute' }> } => x.finding.kind === 'reroute');
  const audit = await auditBeforeActing(bus, ctx, options, {
    action: 'reroute',
    target: `open cases${filter.country === undefined ? '' : ` in ${filter.country}`} under directory revision ${stored.revision}`,
    details: {
      directoryRevision: String(stored.revision),
      evaluated: String(selected.length),
      reroute: String(toAsk.length),
      ...(filter.country === undefined ? {} : { country: filter.country }),
      ...(filter.since === undefined ? {} : { since: new Date(filter.since).toISOString() }),
    },
  });
  for (const { c } of toAsk) {
    const o = rerouteObservation(c, audit.seq);
    await publishMessage(bus, subjects.hosting(o.country || UNKNOWN_COUNTRY), RelayType.HostingObservation, o, { msgId: `${OPERATOR_ORIGIN}:${o.id}`, origin: OPERATOR_ORIGIN });
  }
  const asked = toAsk.map((x) => x.finding);
  const decided = waitMs > 0 ? await awaitDecisions(bus, asked, waitMs) : new Map<string, string>();
  const strip = ({ caseId, url, from, to }: Moved) => ({ caseId, url, from, to });
  return {
    directoryRevision: stored.revision,
    evaluated: selected.length,
    unchanged: findings.filter((x) => x.finding.kind === 'unchanged').length,
    rerouted: asked.filter((f) => decided.has(f.caseId)).map((f) => ({ ...strip(f), referralId: decided.get(f.caseId) ?? '' })),
    pending: asked.filter((f) => !decided.has(f.caseId)).map(strip),
    closed: findings.flatMap((x) => (x.finding.kind === 'closed' ? [strip(x.finding)] : [])),
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
 * copy of a referral already sent.
 */
export function registerReroute(program: Command, ctx: CliContext): void {
  const command = program
    .command('reroute')
    .description('after a directory change, send open cases the directory now routes elsewhere to their new hotline (audited)')
    .option('--since <time|duration>', 'also list closed cases whose referral was issued since then (closed cases are never re-sent)')
    .option('--country <CC>', 'only cases whose current jurisdiction is this country')
    .option('--wait <duration>', 'wait this long for the dispatcher to re-decide each case; 0 = do not wait', '30s')
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
