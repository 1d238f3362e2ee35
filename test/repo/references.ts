import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

/** A reference that does not resolve in a clone of the repository. */
export interface BrokenReference {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

/**
 * Citations of documents that live outside the repository: the design notes
 * the project started from (by name, with or without the `.md` suffix, a
 * section sign, a rule or pitfall number), the folder beside the repository
 * that held them, and absolute paths of the machines it was built on. Their
 * content lives in docs/architecture.md, docs/style.md and docs/nats-notes.md.
 */
const OUTSIDE: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /\b(?:STACK|DESIGN|STYLE)\.md\b/, why: 'cites a design note that is not in the repository' },
  { pattern: /\b(?:STACK|DESIGN|STYLE)\s*(?:§|section\b|rule\b|pitfall\b|\d)/, why: 'cites a section of a design note that is not in the repository' },
  { pattern: /\.\.\/shared\b/, why: 'points at the shared folder beside the repository' },
  { pattern: /(?:^|[\s(`'"])shared\/[\w./-]+\.(?:md|txt|json|ya?ml|csv)\b/, why: 'names a file of the shared folder, outside the repository' },
  { pattern: /\/work\/(?:shared|main|wt-|briefs)/, why: 'an absolute path of a build machine' },
];

/** `docs/<page>.md §n` or `docs/<page>.md §n.m`: the page must exist and have a section numbered n. */
const DOC_SECTION = /docs\/([\w-]+)\.md §(\d+)(?:\.(\d+))?/g;
/** `decision 0097`, `decisions 0004, 0091`, `decisions 0020-0024`. */
const DECISION = /\bdecisions? ((?:\d{4}(?:\s*(?:,|-|and)\s*)?)+)/gi;
/** A relative link in Markdown: `[text](path#anchor)`. */
const MD_LINK = /\]\(([^)\s]+)\)/g;

/** Every text file of the repository that is tracked or would be (not ignored). */
export function repositoryFiles(root: string): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' });
  return listed
    .split('\0')
    .filter((f) => f !== '' && f !== 'package-lock.json' && !f.endsWith('.binpb') && existsSync(join(root, f)))
    .filter((f) => !f.split('/').some((part) => part === 'node_modules' || part === 'dist'));
}

/** The findings in one file's text (`path` relative to the repository root). */
export function findBrokenReferences(path: string, text: string, repo: { readonly root: string }): BrokenReference[] {
  if (text.includes('\0')) return [];
  const found: BrokenReference[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const at = (why: string, what: string): void => {
      found.push({ file: path, line: i + 1, text: what, why });
    };
    for (const { pattern, why } of OUTSIDE) {
      const m = pattern.exec(line);
      if (m) at(why, m[0].trim());
    }
    for (const m of line.matchAll(DOC_SECTION)) {
      const [cited = '', page = '', section = '', sub] = m;
      const file = join(repo.root, 'docs', `${page}.md`);
      if (!existsSync(file)) at(`docs/${page}.md does not exist`, cited);
      else if (!hasSection(readFileSync(file, 'utf8'), section, sub)) at(`docs/${page}.md has no section ${section}${sub ? `.${sub}` : ''}`, cited);
    }
    for (const m of line.matchAll(DECISION)) {
      for (const n of (m[1] ?? '').match(/\d{4}/g) ?? []) {
        if (!decisionExists(repo.root, n)) at(`docs/decisions/${n}-*.md does not exist`, m[0]);
      }
    }
    if (path.endsWith('.md')) {
      for (const m of line.matchAll(MD_LINK)) {
        const target = (m[1] ?? '').split('#')[0] ?? '';
        if (target === '' || /^[a-z]+:/i.test(target)) continue;
        const resolved = posix.normalize(posix.join(posix.dirname(path), target));
        if (resolved.startsWith('..') || !existsSync(join(repo.root, resolved))) at('link to a file that is not in the repository', m[1] ?? '');
      }
    }
  });
  return found;
}

/** Section `n` is a heading `## n. …` (or `### n. …`); `n.m` is item `m.` of a numbered list under it. */
function hasSection(page: string, n: string, sub: string | undefined): boolean {
  const lines = page.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^#{2,4} ${n}\\. `).test(l));
  if (start < 0) return false;
  if (sub === undefined) return true;
  for (const l of lines.slice(start + 1)) {
    if (/^#{1,4} /.test(l)) break;
    if (l.startsWith(`${sub}. `)) return true;
  }
  return false;
}

const decisions = new Map<string, string[]>();
function decisionExists(root: string, n: string): boolean {
  const dir = join(root, 'docs', 'decisions');
  let names = decisions.get(dir);
  if (names === undefined) {
    names = readdirSync(dir);
    decisions.set(dir, names);
  }
  return names.some((f) => f.startsWith(`${n}-`) && f.endsWith('.md'));
}

/** The repository root, from this file (test/repo/). */
export const REPO_ROOT = dirname(dirname(dirname(new URL(import.meta.url).pathname)));
