import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { DEV_ZONE_FILE } from '@relay/testing';
import { z } from 'zod';

/** One host of a static zone (the format of `deploy/dev/zone.json`). */
export interface ZoneRecord {
  readonly a?: readonly string[];
  readonly aaaa?: readonly string[];
  readonly cname?: string;
  readonly ttl?: number;
  readonly error?: 'NXDOMAIN' | 'SERVFAIL' | 'TIMEOUT';
}

/** The records of `deploy/dev/zone.json`. */
export function devZone(): Record<string, ZoneRecord> {
  const parsed = JSON.parse(readFileSync(DEV_ZONE_FILE, 'utf8')) as { records: Record<string, ZoneRecord> };
  return parsed.records;
}

/**
 * Writes a zone file atomically (a new file renamed over the old), so the
 * locator never reads half a file and sees the change by its new inode.
 */
export async function writeZone(path: string, records: Readonly<Record<string, ZoneRecord>>): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, JSON.stringify({ records }, null, 2));
  await rename(tmp, path);
}

/**
 * A CyberTipline `<report>` as NCMEC's schema defines it, for the given URLs.
 * The schema's report carries no report number (NCMEC assigns it) and no
 * files: `reportId` goes into the report-level `additionalInfo`, which the
 * relay drops, so that reports with different ids are different documents
 * (the gateway derives the source report id from the document's digest).
 */
export function cyberTiplineXml(reportId: string, urls: readonly string[]): string {
  const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<report>
  <incidentSummary>
    <incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>
    <incidentDateTime>2026-11-01T21:40:00-05:00</incidentDateTime>
  </incidentSummary>
  <internetDetails>
    <webPageIncident>
${urls.map((u) => `      <url>${escape(u)}</url>`).join('\n')}
    </webPageIncident>
  </internetDetails>
  <reporter>
    <reportingPerson>
      <email>trust-safety@esp.example.com</email>
    </reportingPerson>
  </reporter>
  <additionalInfo>ESP reference ${escape(reportId)}</additionalInfo>
</report>`;
}

/** The gateway's 202 receipt. */
export interface Receipt {
  readonly reportId: string;
  /** The report's id at its source; for a CyberTipline report the gateway derives it from the document. */
  readonly sourceReportId: string;
  readonly seq: number;
}

const receiptSchema = z.object({ reportId: z.string().min(1), sourceReportId: z.string().min(1), seq: z.number().int().positive() });

/** What a POST to `/v1/reports` came to: a receipt, or the status and body of a refusal. */
export type Submission =
  | { readonly ok: true; readonly receipt: Receipt }
  | { readonly ok: false; readonly status: number; readonly body: string; readonly retryAfterSeconds?: number };

/** Sends one report to a gateway over HTTP; network failures throw (the caller retries). */
export async function postReport(gatewayUrl: string, apiKey: string, body: string, contentType: string): Promise<Submission> {
  const res = await fetch(`${gatewayUrl}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': contentType },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
  if (res.status !== 202) return { ok: false, status: res.status, body: text, ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}) };
  return { ok: true, receipt: receiptSchema.parse(JSON.parse(text)) };
}
