import { type Bus, request } from '@relay/bus';
import { decodeIntakeReply, Header, type Receipt, subjects } from '@relay/wire';
import { SubmitRefusedError } from './errors.js';

/** Formats a report body may have. */
export const ReportFormat = {
  /** `relay.v1.Report` in proto3 JSON, without the server-set fields. */
  Native: 'application/json',
  /** NCMEC CyberTipline `<report>` XML. */
  CyberTipline: 'application/xml',
  /** X-ARF v4 JSON. */
  Xarf: 'application/vnd.xarf+json',
} as const;
export type ReportFormat = (typeof ReportFormat)[keyof typeof ReportFormat];

/** Optional parts of a submission. */
export interface SubmitOptions {
  /**
   * The source report id given outside the body, sent as the
   * `Relay-Source-Report-Id` header: NCMEC's report number for a CyberTipline
   * `<report>` (which has none inside). Where the body has an id of its own
   * (native `sourceReportId`, X-ARF `report_id`), it must be the same.
   */
  readonly sourceReportId?: string | undefined;
}

/**
 * Submits a report over NATS (`relay.intake.submit`): the gateway validates it
 * exactly as over HTTP and answers only after JetStream stored it.
 * Resubmitting the same report (same source report id) returns the same
 * receipt and stores nothing new, so retry freely after a timeout.
 * @throws SubmitRefusedError with the problem document when refused.
 * @throws the NATS client's timeout / no-responders errors (retryable) when no gateway answered.
 */
export async function submitReport(
  bus: Bus,
  apiKey: string,
  body: string | object,
  format: ReportFormat = ReportFormat.Native,
  options: SubmitOptions = {},
): Promise<Receipt> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { Authorization: `Bearer ${apiKey}`, 'Content-Type': format };
  if (options.sourceReportId !== undefined) headers[Header.SourceReportId] = options.sourceReportId;
  const reply = await request(bus, subjects.intakeSubmit(), new TextEncoder().encode(text), {
    headers,
    timeoutMs: 15_000,
  });
  const answer = decodeIntakeReply(reply);
  if ('receipt' in answer) return answer.receipt;
  throw new SubmitRefusedError(answer.problem);
}
