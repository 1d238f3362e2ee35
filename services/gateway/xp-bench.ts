import { readFileSync } from 'node:fs';
import { readXml } from './src/xml.js';
import { validateCyberTiplineXml } from './src/formats/cybertipline-xsd.js';
import { decodeBody } from './src/decode.js';
import { readReport } from './src/intake.js';
const xml = readFileSync('test-fixtures/cybertipline-report.xml', 'utf8');
const buf = Buffer.from(xml);
const N = 4000;
function time(name: string, f: () => unknown) { for (let i=0;i<300;i++) f(); let best = Infinity; for (let r=0;r<3;r++){ const t = performance.now(); for (let i = 0; i < N; i++) f(); best = Math.min(best, ((performance.now() - t) / N) * 1000);} console.log(name, best.toFixed(1), 'us'); }
time('readXml', () => readXml(xml));
time('xsd', () => validateCyberTiplineXml(xml));
time('decodeBody', () => decodeBody(buf, 'application/xml', 1 << 20));
const d = decodeBody(buf, 'application/xml', 1 << 20); if (!d.ok) throw 1;
time('readReport', () => readReport(d.format, d.tree, { source: 'ncmec', now: new Date() }));
