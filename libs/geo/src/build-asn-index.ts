#!/usr/bin/env node
// The build step of libs/geo: writes the binary IP -> ASN index for the
// installed @ip-location-db/asn release into dist/data/ (see decision 0021).
import { ensureAsnIndex } from './asn-table.js';

const started = performance.now();
const { path, built } = await ensureAsnIndex();
process.stdout.write(`${built ? 'built' : 'up to date:'} ${path} (${Math.round(performance.now() - started)} ms)\n`);
