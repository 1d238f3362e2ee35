import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBrokenReferences, REPO_ROOT, repositoryFiles } from './references.js';

// Samples are spelled in pieces so that this file, scanned with the rest, does not cite them itself.
const NOTE = { stack: 'STA' + 'CK', design: 'DES' + 'IGN', style: 'STY' + 'LE' };
const SHARED = '..' + '/shared';
const S = '§';

describe('references in code, docs, deploy files and data', () => {
  it('every file of the repository cites only documents that are in it', () => {
    const files = repositoryFiles(REPO_ROOT);
    // The scan covers what a newcomer reads: code, docs, deploy files and data.
    for (const f of ['libs/bus/src/topology.ts', 'docs/operations.md', 'deploy/k8s/gateway.yaml', 'deploy/dev/directory.json', 'eslint.config.js', 'README.md']) {
      expect(files).toContain(f);
    }
    const broken = files.flatMap((f) => findBrokenReferences(f, readFileSync(join(REPO_ROOT, f), 'utf8'), { root: REPO_ROOT }));
    expect(broken.map((b) => `${b.file}:${b.line}: ${b.why}: ${b.text}`)).toEqual([]);
  });

  describe('finds a planted reference', () => {
    const root = mkdtempSync(join(tmpdir(), 'relay-refs-'));
    mkdirSync(join(root, 'docs', 'decisions'), { recursive: true });
    writeFileSync(join(root, 'docs', 'architecture.md'), '# A\n\n## 4. The wire contract\n\n1. one\n2. two\n');
    writeFileSync(join(root, 'docs', 'decisions', '0097-permission-model.md'), '# 0097\n');
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const scan = (path: string, text: string): string[] => findBrokenReferences(path, text, { root }).map((b) => b.why);

    it.each([
      ['libs/bus/src/publish.ts', `/** Prefix the id with its origin (${NOTE.stack}.md pitfall 2). */`],
      ['libs/wire/src/streams.ts', `/** Stream names of the contract (${NOTE.design} §3). */`],
      ['eslint.config.js', `message: 'Use an as-const object (${NOTE.style} 7).'`],
      ['deploy/k8s/gateway.yaml', `# replicas share the work (${NOTE.design} §2)`],
      ['deploy/dev/directory.json', `"where": "as quoted in the project design (${NOTE.design}.md section 1)"`],
      ['docs/decisions/0030-x.md', `the seed list (\`${'shared'}/data/inhope-hotlines.json\`)`],
      ['docs/operations.md', `see [the notes](${SHARED}/${NOTE.stack}.md)`],
      ['test/fault/cluster.test.ts', `// measured in ${SHARED}, see ${'/work'}/shared/notes`],
    ])('in %s', (path, line) => {
      expect(scan(path, `first line\n${line}\n`).length).toBeGreaterThan(0);
    });

    it('a section, a list item, a decision or a link that does not exist', () => {
      expect(scan('libs/x.ts', `// docs/architecture.md ${S}9`)).toEqual(['docs/architecture.md has no section 9']);
      expect(scan('libs/x.ts', `// docs/architecture.md ${S}4.3`)).toEqual(['docs/architecture.md has no section 4.3']);
      expect(scan('libs/x.ts', `// docs/stack.md ${S}1`)).toEqual(['docs/stack.md does not exist']);
      expect(scan('libs/x.ts', '// decisions 0097, 0098')).toEqual(['docs/decisions/0098-*.md does not exist']);
      expect(scan('docs/x.md', 'see [notes](nats-notes.md#3-client-pitfalls)')).toEqual(['link to a file that is not in the repository']);
    });

    it('and leaves alone what resolves, or only looks alike', () => {
      const fine = [
        `// docs/architecture.md ${S}4 and docs/architecture.md ${S}4.2, decision 0097`,
        "const SHARED_URL = 'http://images.example.nl/shared/1';",
        'the design of the wire contract, a STACKED layout, DESIGNER',
        'see [the contract](architecture.md#4-the-wire-contract) and [away](https://example.org/x.md)',
      ];
      expect(scan('docs/page.md', fine.join('\n'))).toEqual([]);
    });
  });
});
