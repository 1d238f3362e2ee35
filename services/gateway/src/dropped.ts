import { createHash } from 'node:crypto';
import { hasDataUri } from './fields.js';
import { Rule, toPointer, type Violation } from './problems.js';

/**
 * What an intake format does not relay. Everything in a document outside its
 * kept pointers is dropped: it never reaches a stream or a log, and the
 * receipt lists the JSON pointer of each dropped subtree (the top-most one),
 * so the sender knows what was not relayed. Before it is dropped it is still
 * scanned: a data: URI anywhere in it refuses the report, except under the
 * pointers read as `unread` (evidence payloads, dropped without a look).
 */

type Pattern = readonly string[];

function compile(pointers: readonly string[]): Pattern[] {
  return pointers.map((p) => p.split('/').slice(1));
}

function matches(pattern: Pattern, path: readonly string[], prefix: boolean): boolean {
  if (prefix ? path.length > pattern.length : path.length !== pattern.length) return false;
  return path.every((seg, i) => pattern[i] === '*' || pattern[i] === seg);
}

/** The dropped pointers of a document and any content found in what is dropped. */
export interface DroppedParts {
  readonly dropped: readonly string[];
  readonly violations: readonly Violation[];
}

/** Lists what `document` holds outside `kept` (pointer patterns, `*` for any key or index). */
export function droppedParts(document: unknown, kept: readonly string[], unread: readonly string[] = []): DroppedParts {
  const keep = compile(kept);
  const skip = compile(unread);
  const dropped: string[] = [];
  const violations: Violation[] = [];
  const scan = (node: unknown, path: string[]): void => {
    if (skip.some((p) => matches(p, path, false))) return;
    if (typeof node === 'string') {
      if (hasDataUri(node)) violations.push({ pointer: toPointer(path), rule: Rule.ContentNotAccepted, detail: 'contains a data: URI; no content is accepted, only URLs and hashes' });
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) scan(child, [...path, key]);
    }
  };
  const walk = (node: unknown, path: string[]): void => {
    if (keep.some((p) => matches(p, path, false))) return;
    if (path.length > 0 && !keep.some((p) => matches(p, path, true))) {
      dropped.push(toPointer(path));
      scan(node, path);
      return;
    }
    if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
    }
  };
  walk(document, []);
  return { dropped, violations };
}

/** JSON with object keys sorted at every level: the canonical form of a decoded document. */
export function canonicalJson(node: unknown): string {
  if (Array.isArray(node)) return `[${node.map(canonicalJson).join(',')}]`;
  if (typeof node === 'object' && node !== null) {
    const entries = Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(node) ?? 'null';
}

/**
 * The source report id of a document that carries none (a CyberTipline
 * `<report>`: NCMEC assigns the number): `sha256-` and the hex SHA-256 of the
 * canonical document, so an identical resend, however it is indented, has
 * the same id and is stored once (decision 0098).
 */
export function digestReportId(document: unknown): string {
  return `sha256-${createHash('sha256').update(canonicalJson(document)).digest('hex')}`;
}
