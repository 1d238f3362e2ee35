// Intake throughput: reports/s through the gateway process over HTTP, with
// concurrent keep-alive clients, beside the raw JetStream publish rate of the
// same run. Every report is distinct (its own sourceReportId), so every one is
// validated, mapped, published and acknowledged before its 202.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { streamState } from '@relay/bus';
import { StreamName } from '@relay/wire';
import { type BenchSuite, type Figure, percentiles, versus } from '../harness.js';

/** The demo key of source `eokm` in deploy/dev/sources.json (listed in the README). */
const EOKM_KEY = 'demo-eokm-237e4e35b7044668047a8c1f097f320e';
const NCMEC_KEY = 'demo-ncmec-46736cfad86967225733f35e5d789c18';
const CONCURRENCY = 32;

interface Run {
  readonly perSec: number;
  readonly accepted: number;
  readonly latenciesMs: number[];
}

function post(agent: Agent, port: number, key: string, contentType: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/v1/reports', agent, headers: { authorization: `Bearer ${key}`, 'content-type': contentType } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/** Sends `total` reports from `CONCURRENCY` keep-alive clients; counts the 202s. */
async function drive(port: number, total: number, key: string, contentType: string, body: (i: number) => string): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latenciesMs: number[] = [];
  let next = 0;
  let accepted = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < total; i = next++) {
          const t0 = performance.now();
          const status = await post(agent, port, key, contentType, body(i));
          latenciesMs.push(performance.now() - t0);
          if (status === 202) accepted++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { perSec: total / ((performance.now() - started) / 1000), accepted, latenciesMs };
}

/** CyberTipline reports sent before the XML figure is measured. */
const XML_WARMUP = 300;

const nativeReport = (prefix: string) => (i: number): string =>
  JSON.stringify({
    sourceReportId: `${prefix}-${i}`,
    incidentType: 'INCIDENT_TYPE_CHILD_PORNOGRAPHY',
    incidentTime: '2026-11-02T08:30:00Z',
    urls: [`https://img${i % 97}.example.de/p/${i}`, `http://mirror.example.fr/${i}.html`],
    hashes: [{ algorithm: 'HASH_ALGORITHM_MD5', value: '9e107d9d372bb6826bd81d3542a419d6' }],
    classification: { category: 'CSAM_CATEGORY_A1' },
    priority: 'PRIORITY_HIGH',
    reporter: { organisation: 'Offlimits (EOKM)', country: 'NL' },
  });

export const suite: BenchSuite = {
  name: 'intake',
  async run(ctx) {
    const gateway = await ctx.startService('gateway', {
      RELAY_SOURCES_FILE: 'deploy/dev/sources.json',
      // The bench measures the intake, not the per-source limit.
      RELAY_RATE_LIMIT: '1000000',
    });
    const port = gateway.httpPort ?? 0;
    const total = ctx.quick ? 3_000 : 20_000;
    const before = (await streamState(ctx.bus, StreamName.Reports))?.messages ?? 0;

    await drive(port, 500, EOKM_KEY, 'application/json', nativeReport('warmup'));
    const cpuBefore = gateway.cpuSeconds();
    const native = await drive(port, total, EOKM_KEY, 'application/json', nativeReport('native'));
    const cpuPerReportUs = ((gateway.cpuSeconds() - cpuBefore) / total) * 1e6;
    ctx.log(`native JSON: ${Math.round(native.perSec)} reports/s, ${native.accepted}/${total} accepted`);

    const xml = readFileSync(new URL('../../../services/gateway/test-fixtures/cybertipline-report.xml', import.meta.url), 'utf8');
    const xmlTotal = Math.round(total / 2);
    // A schema-valid <report> has no report number: the gateway derives the id from the document, so each one differs by a URL.
    const xmlReport = (prefix: string) => (i: number): string => xml.replace('http://images.example.nl/gallery/1', `http://images.example.nl/gallery/${prefix}-${i}`);
    // Like the native run, the XML path (parser, libxml2, schemas) is warmed up before it is measured.
    await drive(port, XML_WARMUP, NCMEC_KEY, 'application/xml', xmlReport('ct-warmup'));
    const cpuBeforeXml = gateway.cpuSeconds();
    const cyber = await drive(port, xmlTotal, NCMEC_KEY, 'application/xml', xmlReport('ct'));
    const cpuPerXmlReportUs = ((gateway.cpuSeconds() - cpuBeforeXml) / xmlTotal) * 1e6;
    ctx.log(`CyberTipline XML (validated by NCMEC's XSD): ${Math.round(cyber.perSec)} reports/s, ${cyber.accepted}/${xmlTotal} accepted`);

    const stored = ((await streamState(ctx.bus, StreamName.Reports))?.messages ?? 0) - before;
    const expected = 500 + total + XML_WARMUP + xmlTotal;
    if (native.accepted !== total || cyber.accepted !== xmlTotal || stored !== expected) {
      throw new Error(`intake bench lost reports: ${native.accepted + cyber.accepted} accepted, ${stored} stored of ${expected}`);
    }
    const lat = percentiles(native.latenciesMs, native.perSec);
    const figures: Figure[] = [
      {
        ...versus(`native JSON over HTTP, ${CONCURRENCY} keep-alive clients`, native.perSec, 'reports/s', 'raw JetStream publish', ctx.baseline.publishPerSec),
        target: '>= 100 reports/s (NCMEC: ~36 M reports/year, ~1.2/s on average)',
        met: native.perSec >= 100,
      },
      {
        ...versus(`CyberTipline XML over HTTP, ${CONCURRENCY} keep-alive clients`, cyber.perSec, 'reports/s', 'raw JetStream publish', ctx.baseline.publishPerSec),
        target: ">= 1,000 reports/s with NCMEC's XSD validation on (issue 15)",
        met: cyber.perSec >= 1_000,
      },
      { name: 'native JSON request latency p50', value: lat.p50, unit: 'ms' },
      { name: 'native JSON request latency p99', value: lat.p99, unit: 'ms' },
      { name: 'gateway CPU per native report', value: cpuPerReportUs, unit: 'us' },
      // Load-independent: the gateway is one process, so 1e6 / this is what one free core would sustain.
      { name: 'gateway CPU per CyberTipline XML report (XSD on)', value: cpuPerXmlReportUs, unit: 'us' },
    ];
    return figures;
  },
};
