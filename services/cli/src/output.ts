import type { CliContext } from './context.js';

/** How a verb prints its result: aligned text for people, JSON for scripts. */
export type OutputMode = 'table' | 'json';

/** The mode chosen by the common `--json` flag. */
export function outputMode(options: { readonly json?: boolean }): OutputMode {
  return options.json === true ? 'json' : 'table';
}

/**
 * Array elements or table rows printed per write: a result of millions of
 * rows (a reroute over a year of cases) never becomes one string, which V8
 * refuses past about 512 M characters.
 */
const ROWS_PER_WRITE = 10_000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && !('toJSON' in value);
}

const indented = (json: string, pad: string): string => json.replaceAll('\n', `\n${pad}`);

/**
 * Prints a value as indented JSON (one document, newline-terminated), the
 * same text as `JSON.stringify(value, null, 2)`; the arrays of an object are
 * written a slice at a time.
 */
export function printJson(ctx: CliContext, value: unknown): void {
  if (!isPlainObject(value)) {
    ctx.out(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  if (entries.length === 0) {
    ctx.out('{}\n');
    return;
  }
  let text = '{\n';
  entries.forEach(([key, v], i) => {
    text += `  ${JSON.stringify(key)}: `;
    if (Array.isArray(v) && v.length > 0) {
      text += '[\n';
      v.forEach((element: unknown, j) => {
        text += `    ${indented(JSON.stringify(element, null, 2) ?? 'null', '    ')}${j < v.length - 1 ? ',' : ''}\n`;
        if ((j + 1) % ROWS_PER_WRITE === 0) {
          ctx.out(text);
          text = '';
        }
      });
      text += '  ]';
    } else {
      text += indented(JSON.stringify(v, null, 2), '  ');
    }
    text += i < entries.length - 1 ? ',\n' : '\n';
  });
  ctx.out(`${text}}\n`);
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
  ctx.out(`${line(headers.map((h) => h.toUpperCase()))}\n`);
  for (let i = 0; i < rows.length; i += ROWS_PER_WRITE) ctx.out(`${rows.slice(i, i + ROWS_PER_WRITE).map(line).join('\n')}\n`);
}
