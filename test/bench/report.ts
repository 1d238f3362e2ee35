import type { Baseline, Figure } from './harness.js';

const num = (v: number): string =>
  !Number.isFinite(v) ? String(v) : Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);

/** The human-readable report: machine, baseline, then each suite's figures. */
export function formatTable(machine: Record<string, string | number>, baseline: Baseline, results: Record<string, Figure[]>): string {
  const lines: string[] = [];
  lines.push(`machine: ${Object.entries(machine).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  lines.push('');
  lines.push(`raw JetStream baseline (${baseline.messageBytes} B messages, one server, file storage)`);
  lines.push(`  publish ${num(baseline.publishPerSec)} msg/s   pull consume ${num(baseline.consumePerSec)} msg/s   single hop (both at once) ${num(baseline.singleHopPerSec)} msg/s`);
  for (const l of Object.values(baseline.latency)) {
    lines.push(`  single hop at ${l.ratePerSec}/s: p50 ${num(l.p50)} ms  p90 ${num(l.p90)} ms  p99 ${num(l.p99)} ms  p99.9 ${num(l.p999)} ms`);
  }
  for (const [suite, figures] of Object.entries(results)) {
    lines.push('');
    lines.push(suite);
    const rows = figures.map((f) => [
      `  ${f.name}`,
      `${num(f.value)} ${f.unit}`,
      f.vsBaseline ? `${num(f.vsBaseline.ratio * 100)}% of ${f.vsBaseline.name} (${num(f.vsBaseline.value)})` : '',
      f.target ? `target ${f.target}: ${f.met === undefined ? '-' : f.met ? 'met' : 'NOT met'}` : '',
    ]);
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
    for (const r of rows) lines.push(r.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c)).join('  ').trimEnd());
  }
  return `${lines.join('\n')}\n`;
}
