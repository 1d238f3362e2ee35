import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCycles, moduleGraph } from './import-cycles.js';
import { REPO_ROOT } from './references.js';

// import-x/no-cycle ignores type-only imports; a type-only circle still ties two files together.
describe('import cycles inside a package, type-only imports included', () => {
  it('no package of libs/ or services/ has one', () => {
    const sources = ['libs', 'services'].flatMap((group) =>
      readdirSync(join(REPO_ROOT, group)).map((name) => join(REPO_ROOT, group, name, 'src')),
    );
    expect(sources.length).toBeGreaterThan(10);
    const cycles = sources.flatMap((src) => findCycles(moduleGraph(src), REPO_ROOT));
    expect(cycles.map((c) => c.join(' -> '))).toEqual([]);
  });

  it('finds a planted one, as the bus had (delivery -> publish -> provenance -> type delivery)', () => {
    const src = mkdtempSync(join(tmpdir(), 'relay-cycles-'));
    afterAll(() => rmSync(src, { recursive: true, force: true }));
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'delivery.ts'), "import { headersToRecord } from './publish.js';\nexport interface VerifyMessage { readonly ok: boolean }\n");
    writeFileSync(join(src, 'publish.ts'), "import { signatureHeaders } from './provenance.js';\nexport const headersToRecord = signatureHeaders;\n");
    writeFileSync(join(src, 'provenance.ts'), "import type { VerifyMessage } from './delivery.js';\nexport const signatureHeaders = (v: VerifyMessage) => v;\n");
    writeFileSync(join(src, 'index.ts'), "export { headersToRecord } from './publish.js';\n");
    const cycles = findCycles(moduleGraph(src), src);
    expect(cycles).toHaveLength(1);
    expect([...(cycles[0] ?? [])].sort()).toEqual(['delivery.ts', 'provenance.ts', 'publish.ts']);
  });
});
