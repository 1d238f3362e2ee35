// `npm run bench -- --record`: the latest run's figures go into
// docs/performance.md between two markers; the analysis around them is
// written by hand and stays.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DOC = fileURLToPath(new URL('../../docs/performance.md', import.meta.url));
const BEGIN = '<!-- bench:begin (written by npm run bench -- --record) -->';
const END = '<!-- bench:end -->';

/** Replaces the figures section of docs/performance.md with `table` (the bench's text report). */
export function recordInDoc(table: string, command: string): void {
  const doc = readFileSync(DOC, 'utf8');
  const from = doc.indexOf(BEGIN);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${DOC} has no ${BEGIN} ... ${END} section`);
  const section = `${BEGIN}\n\`${command}\`:\n\n\`\`\`text\n${table.trimEnd()}\n\`\`\`\n`;
  writeFileSync(DOC, doc.slice(0, from) + section + doc.slice(to));
}
