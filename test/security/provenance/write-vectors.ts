// Writes docs/provenance-vectors.json from the signing code: npx tsx test/security/provenance/write-vectors.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeVectors } from './vectors.js';

const out = fileURLToPath(new URL('../../../docs/provenance-vectors.json', import.meta.url));
writeFileSync(out, `${JSON.stringify(makeVectors(), null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
