import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateCyberTiplineXml } from './formats/cybertipline-xsd.js';
import { validateXarf } from './formats/xarf-schema.js';

/**
 * No fixture can drift from the real formats: every CyberTipline document in
 * the repository (XML files, and the `<?xml` template literals that tests,
 * the e2e harness and the demo send) is validated by NCMEC's pinned XSD, and
 * every X-ARF document (JSON files with `xarf_version`) by the pinned X-ARF v4
 * schemas. Deliberately broken documents live in single-quoted strings in
 * the hostile-input tests, which this scan does not read.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', 'coverage', 'schemas']);

/** Fixtures NCMEC wrote against a newer schema than the pinned copy: valid once the elements it lacks are set aside. */
const NEWER_THAN_PINNED: Readonly<Record<string, readonly string[]>> = {
  'services/gateway/test-fixtures/cybertipline/ncmec-6.1-example.xml': ['/report/incidentSummary/reportAnnotations/informational'],
};

function files(dir: string, accept: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) out.push(...files(join(dir, entry.name), accept));
    } else if (accept(entry.name)) out.push(join(dir, entry.name));
  }
  return out;
}

const SOURCE_DIRS = ['services', 'libs', 'test', 'examples', 'tools', 'deploy', 'docs'].map((d) => join(ROOT, d)).filter((d) => existsSync(d));
const all = (accept: (name: string) => boolean): string[] => SOURCE_DIRS.flatMap((d) => files(d, accept));

/**
 * A `<?xml` template literal with its `${...}` parts filled in: a part that
 * makes up a whole line generates elements (a `<url>`), one inside an
 * element is that element's text (a time for `incidentDateTime`, a URL for
 * `url`, a word otherwise).
 */
function instantiate(literal: string): string {
  return literal
    .split('\n')
    .map((line) => {
      if (/^\s*\$\{[\s\S]*\}\s*$/.test(line)) return '<url>https://example.org/generated</url>';
      return line.replace(/<([A-Za-z]+)([^>]*)>([^<]*)\$\{[^}]*(?:\([^)]*\))?[^}]*\}([^<]*)</g, (_m, name: string, attrs: string, before: string, after: string) => {
        const value = name === 'incidentDateTime' ? '2026-11-01T00:00:00Z' : name === 'url' ? 'https://example.org/x' : 'x';
        return `<${name}${attrs}>${before}${value}${after}<`;
      });
    })
    .join('\n');
}

const xmlFiles = all((n) => n.endsWith('.xml')).filter((f) => /<(report|fileDetails)[\s>]/.test(readFileSync(f, 'utf8')));
const embedded = all((n) => /\.(ts|mts|mjs|js)$/.test(n) && !n.endsWith('.d.ts')).flatMap((f) =>
  Array.from(readFileSync(f, 'utf8').matchAll(/`(<\?xml[\s\S]*?<\/(?:report|fileDetails)>)\s*`/g), (m, i) => ({ where: `${relative(ROOT, f)} #${i + 1}`, text: instantiate(m[1] ?? '') })),
);
const xarfFiles = all((n) => n.endsWith('.json')).filter((f) => {
  try {
    const doc: unknown = JSON.parse(readFileSync(f, 'utf8'));
    return typeof doc === 'object' && doc !== null && Object.hasOwn(doc, 'xarf_version');
  } catch {
    return false;
  }
});

describe("every CyberTipline fixture in the repository is valid by NCMEC's pinned XSD", () => {
  it('finds the fixtures, the harness, the demo and the embedded reports', () => {
    expect(xmlFiles.length).toBeGreaterThanOrEqual(7);
    // A file of a report, sent as its own document (decision 0101), is held to the same schema.
    expect(xmlFiles.map((f) => relative(ROOT, f))).toContain('services/gateway/test-fixtures/cybertipline/file-details.xml');
    expect(embedded.map((e) => e.where.split(' ')[0])).toEqual(
      expect.arrayContaining(['test/e2e/harness/intake.ts', 'services/cli/src/dev/demo.ts', 'test/e2e/secure-pipeline.test.ts']),
    );
  });

  it.each(xmlFiles.map((f) => [relative(ROOT, f), f]))('%s', (name, path) => {
    const result = validateCyberTiplineXml(readFileSync(path, 'utf8'));
    expect(result).toEqual({ ok: true, setAside: NEWER_THAN_PINNED[name] ?? [] });
  });

  it.each(embedded.map((e) => [e.where, e.text]))('%s', (_where, text) => {
    expect(validateCyberTiplineXml(text)).toEqual({ ok: true, setAside: [] });
  });
});

describe('every X-ARF fixture in the repository is valid by the pinned X-ARF v4 schemas', () => {
  it('finds the fixtures, among them the official csam and csem samples', () => {
    expect(xarfFiles.map((f) => relative(ROOT, f))).toEqual(
      expect.arrayContaining(['services/gateway/test-fixtures/xarf/official-content-csam.json', 'services/gateway/test-fixtures/xarf/official-content-csem.json']),
    );
  });

  it.each(xarfFiles.map((f) => [relative(ROOT, f), f]))('%s', (_name, path) => {
    expect(validateXarf(JSON.parse(readFileSync(path, 'utf8')))).toEqual([]);
  });
});
