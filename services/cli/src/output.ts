import type { CliContext } from './context.js';

/** How a verb prints its result: aligned text for people, JSON for scripts. */
export type OutputMode = 'table' | 'json';

/** The mode chosen by the common `--json` flag. */
export function outputMode(options: { readonly json?: boolean }): OutputMode {
  return options.json === true ? 'json' : 'table';
}

/** Prints a value as indented JSON (one document, newline-terminated). */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints `label  value` pairs with the values aligned; empty values print as `-`. */
export function printFields(ctx: CliContext, fields: readonly (readonly [string, string])[]): void {
  const width = Math.max(0, ...fields.map(([label]) => label.length));
  ctx.out(fields.map(([label, value]) => `${label.padEnd(width)}  ${value === '' ? '-' : value}`).join('\n') + '\n');
}

/** Prints rows under upper-case headers, columns padded to their widest cell. */
export function printTable(ctx: CliContext, headers: readonly string[], rows: readonly (readonly string[])[]): void {
  // A loop, not Math.max(...rows): a reroute can print a million rows, past the limit of spread arguments.
  const widths = headers.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), h.length));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  ctx.out([line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n');
}
