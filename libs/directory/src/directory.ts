import { DirectoryInvalidError } from './errors.js';
import type { SignedDirectory } from './signed-form.js';
import {
  type AuthorityEntry,
  type DeadlinePolicy,
  type DirectoryData,
  type DirectoryFile,
  directorySchema,
  type HotlineEntry,
  Membership,
  type PoliceEntry,
} from './schema.js';

/**
 * A validated directory with its lookups. Build one with {@link parseDirectory};
 * treat it as immutable (the dispatcher swaps the whole value on a change).
 */
export interface Directory {
  readonly data: DirectoryData;
  /** The file form it was parsed from (durations as text), for storing. */
  readonly file: DirectoryFile;
  /** The signed form it was opened from, when signed (stored as is so every reader can verify it). */
  readonly signed?: SignedDirectory;
  /** Hotline by id. */
  hotline(id: string): HotlineEntry | undefined;
  /**
   * True when the hotline may receive anything from the relay: its INHOPE
   * membership is confirmed by a source (`membership: member`) or an operator
   * confirmed it by naming it in `routing` (decision 0030). Only confirmed
   * hotlines get a NATS user, consumers and notices (decision 0091).
   */
  confirmed(id: string): boolean;
  /** The hotline that takes cases hosted in `country`, if it has a routable one. */
  routingHotline(country: string): HotlineEntry | undefined;
  /** The authority of `country` that can order removal, if any. */
  removalAuthority(country: string): AuthorityEntry | undefined;
  /** The police liaison of `country`, if the directory names one. */
  police(country: string): PoliceEntry | undefined;
  /** Deadline policy of `country` (its own, or the default). */
  deadlines(country: string): DeadlinePolicy;
}

/**
 * Validates a directory (zod schema plus cross-references: unique ids, known
 * source ids, routing choices that exist and fit their country, one choice for
 * every country with several member hotlines) and builds its lookups.
 * @param where names the input in error messages (a file path, `KV revision 7`).
 * @throws DirectoryInvalidError listing every problem with its path.
 */
export function parseDirectory(raw: unknown, where = 'directory'): Directory {
  const parsed = directorySchema.safeParse(raw);
  if (!parsed.success) {
    throw new DirectoryInvalidError(
      where,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  const data = parsed.data;
  const issues = crossCheck(data);
  if (issues.length) throw new DirectoryInvalidError(where, issues);

  const byId = new Map(data.hotlines.map((h) => [h.id, h]));
  const routes = new Map<string, HotlineEntry>();
  for (const h of data.hotlines) {
    if (h.membership === Membership.Member && !routes.has(h.country)) routes.set(h.country, h);
  }
  for (const [cc, choice] of Object.entries(data.routing)) {
    const h = byId.get(choice.hotline);
    if (h) routes.set(cc, h);
  }
  const confirmed = new Set([
    ...data.hotlines.filter((h) => h.membership === Membership.Member).map((h) => h.id),
    ...Object.values(data.routing).map((choice) => choice.hotline),
  ]);
  const authorities = new Map(data.authorities.filter((a) => a.removalOrders).map((a) => [a.country, a]));
  const police = new Map(data.police.map((p) => [p.country, p]));
  return Object.freeze({
    data,
    file: raw as DirectoryFile,
    hotline: (id: string) => byId.get(id),
    confirmed: (id: string) => confirmed.has(id),
    routingHotline: (cc: string) => routes.get(cc),
    removalAuthority: (cc: string) => authorities.get(cc),
    police: (cc: string) => police.get(cc),
    deadlines: (cc: string) => data.deadlines.byCountry[cc] ?? data.deadlines.default,
  });
}

function crossCheck(data: DirectoryData): string[] {
  const issues: string[] = [];
  const sourceIds = new Set(data.provenance.sources.map((s) => s.id));
  const checkSources = (path: string, refs: readonly string[]): void => {
    for (const ref of refs) if (!sourceIds.has(ref)) issues.push(`${path}.sources: unknown source ${JSON.stringify(ref)}`);
  };
  const seen = new Map<string, string>();
  const unique = (path: string, key: string, what: string): void => {
    const first = seen.get(key);
    if (first !== undefined) issues.push(`${path}: duplicate ${what} (first at ${first})`);
    else seen.set(key, path);
  };

  const duplicateSource = data.provenance.sources.find((s, i, all) => all.findIndex((t) => t.id === s.id) !== i);
  if (duplicateSource) issues.push(`provenance.sources: duplicate source id ${JSON.stringify(duplicateSource.id)}`);

  const membersPerCountry = new Map<string, string[]>();
  data.hotlines.forEach((h, i) => {
    unique(`hotlines.${i}`, `hotline:${h.id}`, `hotline id ${JSON.stringify(h.id)}`);
    checkSources(`hotlines.${i}`, h.sources);
    if (h.membership === Membership.Member) membersPerCountry.set(h.country, [...(membersPerCountry.get(h.country) ?? []), h.id]);
  });
  for (const [cc, choice] of Object.entries(data.routing)) {
    const h = data.hotlines.find((x) => x.id === choice.hotline);
    if (!h) issues.push(`routing.${cc}.hotline: no hotline ${JSON.stringify(choice.hotline)} in hotlines`);
    else if (h.country !== cc) issues.push(`routing.${cc}.hotline: ${h.id} is a hotline of ${h.country}, not ${cc}`);
  }
  for (const [cc, ids] of membersPerCountry) {
    if (ids.length > 1 && !data.routing[cc]) {
      issues.push(`routing.${cc}: ${cc} has several member hotlines (${ids.join(', ')}): choose the one that takes its cases`);
    }
  }
  data.authorities.forEach((a, i) => {
    unique(`authorities.${i}`, `authority:${a.id}`, `authority id ${JSON.stringify(a.id)}`);
    if (a.removalOrders) unique(`authorities.${i}`, `order-authority:${a.country}`, `removal authority for ${a.country}`);
    checkSources(`authorities.${i}`, a.sources);
  });
  data.police.forEach((p, i) => {
    unique(`police.${i}`, `police:${p.country}`, `police liaison for ${p.country}`);
    checkSources(`police.${i}`, p.sources);
  });
  checkSources('deadlines.default', data.deadlines.default.sources);
  for (const [cc, policy] of Object.entries(data.deadlines.byCountry)) checkSources(`deadlines.byCountry.${cc}`, policy.sources);
  checkSources('fallback', data.fallback.sources);
  return issues;
}
