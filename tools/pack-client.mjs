// `npm run pack:client [-- --out <dir>]`: writes the tarballs of @relay/client and of
// every workspace package it needs (decision 0131), ready to install into a project
// outside this repository: `npm install ./relay-*.tgz` (docs/integration.md).
//
// Each package is staged first (its `files` without compiled tests, its package.json
// without the in-repo `@relay/source` condition, scripts and devDependencies), then
// packed with `npm pack`. The run fails if a staged manifest names a workspace:, file:,
// link: or path dependency, if shipped code imports a @relay package that is not packed,
// or if a dependency on a packed package is not its exact version: outside the
// repository each of those would break or fetch someone else's package.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = '@relay/client';
const IN_REPO_CONDITION = '@relay/source';
const LOCAL_SPEC = /^(workspace:|file:|link:|\.{0,2}\/)/;
const TEST_FILE = /\.test\.(js|d\.ts)(\.map)?$/;

function outDir(argv) {
  const i = argv.indexOf('--out');
  if (i === -1) return join(ROOT, 'dist-pack');
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error('--out needs a folder');
  return resolve(process.cwd(), value);
}

/** Every workspace package of the repository by name: its folder and manifest. */
async function workspaces() {
  const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  const out = new Map();
  for (const pattern of root.workspaces) {
    const base = pattern.endsWith('/*') ? pattern.slice(0, -2) : pattern;
    const dirs = pattern.endsWith('/*') ? (await readdir(join(ROOT, base))).map((d) => join(base, d)) : [base];
    for (const dir of dirs) {
      const file = join(ROOT, dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(await readFile(file, 'utf8'));
      out.set(manifest.name, { dir: join(ROOT, dir), manifest });
    }
  }
  return out;
}

/** The entry package and every workspace package it depends on, dependencies first. */
function closure(all, name, seen = new Set(), order = []) {
  if (seen.has(name)) return order;
  seen.add(name);
  const pkg = all.get(name);
  if (!pkg) throw new Error(`${name} is not a workspace package`);
  for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) if (all.has(dep)) closure(all, dep, seen, order);
  order.push(name);
  return order;
}

/** The package.json shipped in the tarball. */
function shippedManifest(manifest) {
  const { scripts: _scripts, devDependencies: _dev, ...rest } = manifest;
  const exports = JSON.parse(JSON.stringify(rest.exports ?? {}), (key, value) => (key === IN_REPO_CONDITION ? undefined : value));
  return { ...rest, exports };
}

async function copyShipped(from, to) {
  await cp(from, to, { recursive: true, filter: (src) => !TEST_FILE.test(src) && !src.endsWith('.tsbuildinfo') });
}

async function* filesUnder(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/** Problems that would break the package outside the repository. */
async function problemsOf(stage, manifest, packed, versions) {
  const problems = [];
  for (const [dep, spec] of Object.entries(manifest.dependencies ?? {})) {
    if (LOCAL_SPEC.test(spec)) problems.push(`${manifest.name}: dependency ${dep} is ${spec}, a path that breaks outside the repository`);
    if (dep.startsWith('@relay/') && !packed.has(dep)) problems.push(`${manifest.name}: depends on ${dep}, which is not packed`);
    if (packed.has(dep) && spec !== versions.get(dep)) problems.push(`${manifest.name}: depends on ${dep}@${spec}, but ${versions.get(dep)} is packed`);
  }
  for await (const file of filesUnder(stage)) {
    if (!file.endsWith('.js')) continue;
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\(\s*)['"](@relay\/[a-z0-9-]+)/g)) {
      if (!packed.has(m[1])) problems.push(`${manifest.name}: ${relative(stage, file)} imports ${m[1]}, which is not packed`);
    }
  }
  return problems;
}

const out = outDir(process.argv.slice(2));
const all = await workspaces();
const names = closure(all, ENTRY);
const packed = new Set(names);
const versions = new Map(names.map((n) => [n, all.get(n).manifest.version]));
const stageRoot = join(out, '.stage');
await rm(stageRoot, { recursive: true, force: true });
await mkdir(stageRoot, { recursive: true });
const problems = [];
const tarballs = [];
for (const name of names) {
  const { dir, manifest } = all.get(name);
  const stage = join(stageRoot, name.replace('/', '+'));
  await mkdir(stage, { recursive: true });
  for (const entry of manifest.files ?? []) {
    if (!existsSync(join(dir, entry))) throw new Error(`${name}: ${entry} is missing; run npm run build first`);
    await copyShipped(join(dir, entry), join(stage, entry));
  }
  for (const doc of ['README.md', 'LICENSE']) if (existsSync(join(dir, doc))) await cp(join(dir, doc), join(stage, doc));
  const shipped = shippedManifest(manifest);
  await writeFile(join(stage, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);
  problems.push(...(await problemsOf(stage, shipped, packed, versions)));
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  tarballs.push(info.filename);
}
await rm(stageRoot, { recursive: true, force: true });
if (problems.length > 0) {
  for (const p of problems) console.error(`pack:client: ${p}`);
  process.exit(1);
}
console.log(`Packed ${names.join(', ')} into ${out}:`);
for (const t of tarballs) console.log(`  ${t}`);
// Every @relay package by file and the others overridden to those files: with a plain
// `npm install <tarballs>`, npm still asks the registry for @relay/wire@0.1.0 (a dependency of
// @relay/bus), and a registry package of that name would be someone else's.
const folder = 'relay';
const deps = names.map((n, i) => `dependencies.${n}=file:${folder}/${tarballs[i]}`);
const overrides = names.filter((n) => n !== ENTRY).map((n) => `'overrides.${n}=$${n}'`);
console.log(`\nIn your project (docs/integration.md): copy the tarballs into ./${folder}/, then
  npm pkg set ${deps.join(' ')} \\
    ${overrides.join(' ')}
  npm install --no-audit --no-fund`);
