// Builds what the console's pages load besides their own modules, into dist/web/ (served as
// /assets/gen/): the map code bundled from d3-geo and topojson-client, the world from
// world-atlas (Natural Earth, public domain), ISO 3166 alpha-2 -> numeric codes (the
// world-atlas ids) from i18n-iso-countries, and the charts' code bundled from Chart.js.
// Nothing is fetched at run time.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const out = new URL('./dist/web/', import.meta.url);
await mkdir(out, { recursive: true });
for (const lib of ['map-lib.js', 'chart-lib.js']) {
  await build({
    entryPoints: [new URL(`./src/web/${lib}`, import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    minify: true,
    outfile: new URL(lib, out).pathname,
    logLevel: 'warning',
  });
}
await copyFile(require.resolve('world-atlas/countries-110m.json'), new URL('countries-110m.json', out));
const countries = require('i18n-iso-countries');
const numeric = Object.fromEntries(Object.entries(countries.getNumericCodes()).map(([n, a2]) => [a2, n]));
await writeFile(new URL('country-numbers.json', out), `${JSON.stringify(numeric)}\n`);
