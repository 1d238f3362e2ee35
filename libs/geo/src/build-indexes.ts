#!/usr/bin/env node
// The build step of libs/geo: writes the binary IP -> ASN index and the two
// country indexes for the installed @ip-location-db releases into dist/data/
// (see decisions 0021 and 0025).
import { ensureAsnIndex } from './asn-table.js';
import { ensureCountryIndex } from './country-table.js';
import { EMBEDDED_DATASETS } from './embedded-data.js';

const steps = [
  () => ensureAsnIndex(),
  () => Promise.resolve(ensureCountryIndex(EMBEDDED_DATASETS.countryPrimary)),
  () => Promise.resolve(ensureCountryIndex(EMBEDDED_DATASETS.countrySecondary)),
];
for (const step of steps) {
  const started = performance.now();
  const { path, built } = await step();
  process.stdout.write(`${built ? 'built' : 'up to date:'} ${path} (${Math.round(performance.now() - started)} ms)\n`);
}
