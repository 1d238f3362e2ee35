import { readFileSync } from 'node:fs';

/**
 * The CLI's version, read from its own package.json at run time. The path is
 * the same from `src/` (tsx) and `dist/` (built), both one level below it.
 */
export function cliVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const { version } = JSON.parse(text) as { version?: unknown };
  return typeof version === 'string' ? version : '0.0.0';
}
