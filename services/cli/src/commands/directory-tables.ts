import type { Directory, DirectoryFile } from '@relay/directory';
import type { CliContext } from '../context.js';
import { printFields, printTable } from '../output.js';

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Countries the directory knows anything about, sorted. */
function countriesOf(d: Directory): string[] {
  const data = d.data;
  return [...new Set([...data.hotlines.map((h) => h.country), ...data.police.map((p) => p.country), ...data.authorities.map((a) => a.country)])].sort();
}

/** One line of numbers: `52 hotlines in 47 countries (45 routed), 9 authorities, 12 police liaisons`. */
export function directoryCounts(d: Directory): string {
  const data = d.data;
  const countries = new Set(data.hotlines.map((h) => h.country));
  const routed = [...countries].filter((cc) => d.routingHotline(cc) !== undefined).length;
  return `${data.hotlines.length} hotlines in ${countries.size} countries (${routed} routed), ${data.authorities.length} authorities, ${data.police.length} police liaisons`;
}

/** The durations as written in the file (`24h`), for one country or the default. */
function deadlineText(file: DirectoryFile, cc: string | undefined): { notice: string; order: string } {
  const policy = cc === undefined ? file.deadlines.default : (file.deadlines.byCountry?.[cc] ?? file.deadlines.default);
  return { notice: policy.afterHosterNotice, order: policy.afterAuthorityOrder };
}

/**
 * Prints a directory for people: what is in force, which hotline takes each
 * country's cases, the operator's routing choices, the authorities and the
 * removal deadlines.
 */
export function printDirectory(ctx: CliContext, d: Directory, revision: number): void {
  const data = d.data;
  printFields(ctx, [
    ['Revision', String(revision)],
    ['Compiled', data.provenance.compiledAt],
    ['Contents', directoryCounts(d)],
    ['Fallback', `${data.fallback.recipient} (${data.fallback.name}): cases hosted where no hotline is routable`],
  ]);
  ctx.out('\nHotlines per country (? = INHOPE membership not confirmed: listed, not routed to, no NATS user or consumer)\n');
  printTable(
    ctx,
    ['country', 'routed to', 'hotlines', 'police', 'removal authority'],
    countriesOf(d).map((cc) => [
      cc,
      d.routingHotline(cc)?.id ?? `${data.fallback.recipient} (fallback)`,
      data.hotlines
        .filter((h) => h.country === cc)
        .map((h) => (d.confirmed(h.id) ? h.id : `${h.id}?`))
        .join(', '),
      clip(d.police(cc)?.name ?? '', 40),
      d.removalAuthority(cc)?.id ?? '',
    ]),
  );
  ctx.out('\nRouting choices (countries with several hotlines, or a hotline chosen by the operator)\n');
  printTable(
    ctx,
    ['country', 'hotline', 'why'],
    Object.entries(data.routing).map(([cc, choice]) => [cc, choice.hotline, clip(choice.note ?? '', 90)]),
  );
  ctx.out('\nAuthorities\n');
  printTable(
    ctx,
    ['id', 'country', 'orders removal', 'name'],
    data.authorities.map((a) => [a.id, a.country, a.removalOrders ? 'yes' : 'no', clip(a.name, 70)]),
  );
  ctx.out('\nRemoval deadlines (after the hotline notifies the hoster / after an authority order)\n');
  const rows = [
    ['default', ...Object.values(deadlineText(d.file, undefined))],
    ...Object.keys(data.deadlines.byCountry)
      .sort()
      .map((cc) => [cc, ...Object.values(deadlineText(d.file, cc))]),
  ];
  printTable(ctx, ['country', 'after hoster notice', 'after authority order'], rows);
}

/** Countries whose routed hotline differs between two directories: `NL: eokm -> eokm-nl`. */
export function routingChanges(before: Directory | undefined, after: Directory): string[] {
  if (!before) return [];
  const countries = new Set([...countriesOf(before), ...countriesOf(after)]);
  const changes: string[] = [];
  for (const cc of [...countries].sort()) {
    const was = before.routingHotline(cc)?.id ?? `${before.data.fallback.recipient} (fallback)`;
    const now = after.routingHotline(cc)?.id ?? `${after.data.fallback.recipient} (fallback)`;
    if (was !== now) changes.push(`${cc}: ${was} -> ${now}`);
  }
  return changes;
}
