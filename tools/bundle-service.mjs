// Bundles a service's entry point into one file, `dist/main.js`, so that the
// process loads one module instead of 400 to 600 (decision 0084). Run from the
// service's folder after `tsc -b` (its package.json `build` script does both):
// tsc type-checks and emits every module, this replaces the entry with the bundle.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/**
 * Left out of the bundle and loaded from node_modules if and when they are
 * used, as before: the gateway's docs UI and fastify's default schema compilers
 * (decision 0083). protobufjs is required through createRequire, which esbuild
 * does not follow, so it stays out too.
 */
const EXTERNAL = ['@fastify/swagger', '@fastify/swagger-ui', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'];

/**
 * Code that finds files next to itself keeps doing so from its own folder, not
 * the bundle's: `import.meta.url` becomes the original module's URL, and a
 * CommonJS module that mentions `__dirname` or `__filename` gets its own.
 * (libs/geo finds its ASN index and data packages this way; pino its workers.)
 * @type {import('esbuild').Plugin}
 */
const ownLocation = {
  name: 'own-location',
  setup(b) {
    b.onLoad({ filter: /\.(?:[cm]?js|ts)$/ }, async ({ path }) => {
      let text = await readFile(path, 'utf8');
      const hasMetaUrl = text.includes('import.meta.url');
      const hasDirname = /\b__(?:dirname|filename)\b/.test(text);
      if (!hasMetaUrl && !hasDirname) return undefined;
      if (hasMetaUrl) text = text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href));
      if (hasDirname) text = `var __dirname = ${JSON.stringify(dirname(path))}, __filename = ${JSON.stringify(path)};\n${text}`;
      return { contents: text, loader: path.endsWith('.ts') ? 'ts' : 'js', resolveDir: dirname(path) };
    });
  },
};

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // Bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as __relayCreateRequire } from 'node:module';\nconst require = __relayCreateRequire(import.meta.url);" },
  // Stack traces name bundle lines; `node --enable-source-maps` maps them to each module's file and line.
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'inline',
  plugins: [ownLocation],
  logLevel: 'warning',
});
