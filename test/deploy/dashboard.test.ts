// The Grafana dashboard is valid JSON and queries only the metrics the
// services export (the list in docs/operations.md "Metrics"), and it covers
// what an operator watches: intake, routing latency, lag, DLQ, cases, deadlines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DEPLOY } from './deploy-copy.js';

/** The metrics the services export (every one also has a `service` label). */
const EXPORTED = [
  'relay_published_total',
  'relay_publish_seconds_bucket',
  'relay_handled_total',
  'relay_handle_seconds_bucket',
  'relay_intake_reports_total',
  'relay_routing_latency_seconds_bucket',
  'relay_consumer_pending',
  'relay_consumer_ack_pending',
  'relay_stream_messages',
  'relay_open_cases',
  'relay_missed_deadlines_total',
  'relay_gateway_refusals_total',
  'relay_gateway_in_flight',
  'relay_audit_lost',
  'relay_audit_duplicated',
  'relay_audit_rounds_total',
  'relay_audit_repaired_total',
  'relay_audit_dismissed_total',
] as const;

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);

/**
 * The metric names a PromQL expression (or a Grafana label_values query)
 * reads: identifiers left after removing strings, label matchers, ranges,
 * grouping label lists, function calls and keywords.
 */
function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/label_values\(\s*([a-zA-Z_:][\w:]*)\s*,[^)]*\)/g, ' $1 ');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][\w:]*/g)) {
    const after = stripped.slice((m.index ?? 0) + m[0].length).trimStart();
    if (after.startsWith('(') || PROMQL_KEYWORDS.has(m[0])) continue;
    names.push(m[0]);
  }
  return names;
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}
const dashboard = JSON.parse(readFileSync(join(REPO_DEPLOY, 'grafana', 'hotline-relay.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string; query?: string | { query?: string } }[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' })));

describe('the Grafana dashboard', () => {
  it('finds the metric names in PromQL, and nothing else', () => {
    expect(metricsIn('histogram_quantile(0.99, sum by (le, root) (rate(relay_publish_seconds_bucket{service=~"$service",x="a{b}"}[$__rate_interval])))')).toEqual([
      'relay_publish_seconds_bucket',
    ]);
    expect(metricsIn('sum by (c) (rate(a_total{o!="ack"}[5m])) / sum(rate(b_total[5m])) > bool 0')).toEqual(['a_total', 'b_total']);
    expect(metricsIn('label_values(relay_handled_total, service)')).toEqual(['relay_handled_total']);
    expect(metricsIn('up')).toEqual(['up']);
  });

  it('gives every panel at least one query', () => {
    for (const p of panels) expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0);
  });

  it.each(queries)('$panel: queries only exported relay metrics', ({ expr }) => {
    const names = metricsIn(expr);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(EXPORTED, `${n} in ${expr}`).toContain(n);
  });

  it('filters every query and variable by the service variable or names only exported metrics there too', () => {
    for (const q of queries) expect(q.expr, q.panel).toContain('service=~"$service"');
    for (const v of dashboard.templating.list) {
      const query = typeof v.query === 'string' ? v.query : v.query?.query;
      if (v.name === 'datasource') continue;
      for (const n of metricsIn(query ?? '')) expect(EXPORTED).toContain(n);
    }
  });

  it('shows intake rate, routing latency, consumer lag, DLQ size, open cases and missed deadlines', () => {
    const all = queries.map((q) => q.expr).join('\n');
    expect(all).toMatch(/rate\(relay_intake_reports_total/);
    expect(all).toMatch(/histogram_quantile\([^,]+, sum by \(le\) \(rate\(relay_routing_latency_seconds_bucket/);
    expect(all).toContain('relay_consumer_pending');
    expect(all).toContain('relay_consumer_ack_pending');
    expect(all).toMatch(/relay_stream_messages\{[^}]*stream="DLQ"/);
    expect(all).toContain('relay_open_cases');
    expect(all).toContain('relay_missed_deadlines_total');
  });

  it('shows what relay audit --follow finds lost and re-drives (decision 0155)', () => {
    const all = queries.map((q) => q.expr).join('\n');
    expect(all).toContain('relay_audit_lost');
    expect(all).toMatch(/relay_audit_rounds_total\{[^}]*\}/);
    expect(all).toContain('relay_audit_repaired_total');
    expect(all).toContain('relay_audit_dismissed_total');
  });

  it('shows when intake refuses because the store is full or the gateway sheds (issue 21)', () => {
    const all = queries.map((q) => q.expr).join('\n');
    expect(all).toMatch(/relay_gateway_refusals_total\{[^}]*rule="store-full"/);
    expect(all).toContain('relay_gateway_in_flight');
  });
});
