// Realistic native reports for the pipeline bench: 1-5 URLs on bench hosts
// (every URL new, so every URL opens a case), 1-3 hashes, a classification and
// a priority, from a seeded generator so every run sends the same traffic.
import type { BenchHost } from './hosts.js';

const CATEGORIES = ['CSAM_CATEGORY_A1', 'CSAM_CATEGORY_A2', 'CSAM_CATEGORY_B1', 'CSAM_CATEGORY_B2', 'CSAM_CATEGORY_BASELINE'];
const HASHES = [
  ['HASH_ALGORITHM_MD5', 16],
  ['HASH_ALGORITHM_SHA1', 20],
  ['HASH_ALGORITHM_SHA256', 32],
] as const;

/** One generated report: its native JSON body and how many URLs (so referrals) it carries. */
export interface BenchReport {
  readonly sourceReportId: string;
  readonly body: string;
  readonly urls: number;
}

/** Deterministic reports `run:<i>` over `hosts`. */
export function reportGenerator(run: string, hosts: readonly BenchHost[]): (i: number) => BenchReport {
  return (i) => {
    let x = (Math.imul(i + 1, 2_654_435_761) ^ run.length) >>> 0;
    const next = (n: number): number => {
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
      return (x >>> 8) % n;
    };
    const urlCount = 1 + next(5);
    const urls = Array.from({ length: urlCount }, (_, k) => {
      const host = hosts[next(hosts.length)]?.name ?? 'h0.nl.bench.example';
      return `https://${host}/${run}/${i}/${k}.html`;
    });
    const hashes = Array.from({ length: 1 + next(3) }, () => {
      const [algorithm, bytes] = HASHES[next(HASHES.length)] ?? HASHES[0];
      const value = Array.from({ length: bytes }, () => next(256).toString(16).padStart(2, '0')).join('');
      return { algorithm, value };
    });
    const sourceReportId = `${run}-${i}`;
    const body = JSON.stringify({
      sourceReportId,
      incidentType: 'INCIDENT_TYPE_CHILD_PORNOGRAPHY',
      incidentTime: '2026-11-02T08:30:00Z',
      urls,
      hashes,
      classification: { category: CATEGORIES[next(CATEGORIES.length)] },
      priority: next(10) === 0 ? 'PRIORITY_HIGH' : 'PRIORITY_NORMAL',
      reporter: { organisation: 'Offlimits (EOKM)', country: 'NL' },
    });
    return { sourceReportId, body, urls: urlCount };
  };
}
