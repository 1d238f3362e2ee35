import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isRetryable } from '@relay/bus';
import { type Problem, type Receipt, ReportFormat, SubmitRefusedError, isSubmitRefusedError, submitReport } from '@relay/client';
import { decodeIntakeAnswer, Header } from '@relay/wire';
import type { CliContext } from '../context.js';
import { FileError, UnavailableError, UsageError } from '../errors.js';
import { outputMode, printFields, printJson, printTable } from '../output.js';
import { natsUrlOf, withBus } from '../operator/connect.js';

interface SubmitOptions {
  readonly key?: string;
  readonly id?: string;
  readonly http?: string | true;
  readonly json?: boolean;
}

/** The gateway of a dev stack on its default port. */
const DEFAULT_HTTP = 'http://127.0.0.1:8080';

/**
 * Tells the format of a report from its content: XML is a CyberTipline
 * report, JSON with `xarf_version` is X-ARF, any other JSON object is native.
 * @throws FileError when it is neither XML nor a JSON object.
 */
export function detectFormat(text: string, file = 'the report'): ReportFormat {
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (body.startsWith('<')) return ReportFormat.CyberTipline;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new FileError(`${file} is neither XML (a CyberTipline report) nor JSON (native or X-ARF): ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FileError(`${file} is JSON but not an object: a report is one JSON object`);
  return Object.hasOwn(json, 'xarf_version') ? ReportFormat.Xarf : ReportFormat.Native;
}

const FORMAT_NAMES: Readonly<Record<ReportFormat, string>> = {
  [ReportFormat.Native]: 'native JSON',
  [ReportFormat.CyberTipline]: 'CyberTipline XML',
  [ReportFormat.Xarf]: 'X-ARF',
};

async function submitOverHttp(base: string, key: string, body: string, format: ReportFormat, sourceReportId: string | undefined): Promise<Receipt> {
  const url = `${base.replace(/\/+$/, '')}/v1/reports`;
  const headers: Record<string, string> = { Authorization: `Bearer ${key}`, 'Content-Type': format };
  if (sourceReportId !== undefined) headers[Header.SourceReportId] = sourceReportId;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body });
  } catch (err) {
    throw new UnavailableError(`cannot reach the gateway at ${url} (${err instanceof Error ? err.message : String(err)}): is the relay running (npm start)?`, err);
  }
  const answer = decodeIntakeAnswer(res.status, new Uint8Array(await res.arrayBuffer()));
  if ('receipt' in answer) return answer.receipt;
  throw new SubmitRefusedError(answer.problem);
}

/** The problem document: as JSON on stdout with --json, else each field and rule on stderr. */
function printRefusal(ctx: CliContext, problem: Problem, json: boolean): void {
  if (json) {
    printJson(ctx, problem);
    return;
  }
  const errors = problem.errors ?? [];
  if (errors.length === 0) return;
  printTable(
    { ...ctx, out: ctx.err },
    ['field', 'rule', 'problem'],
    errors.map((e) => [e.pointer === '' ? '/' : e.pointer, e.rule, e.detail]),
  );
}

/**
 * `relay submit <file> [--key <api key>] [--id <source report id>] [--http [url]] [--json]`: sends a
 * report (native JSON, CyberTipline XML or X-ARF, told apart by content) over
 * NATS intake, or over HTTP with `--http`, and prints the receipt, or the
 * problem with each field and rule; a refusal exits non-zero.
 */
export function registerSubmit(program: Command, ctx: CliContext): void {
  program
    .command('submit')
    .description('submit a report file (native JSON, CyberTipline XML or X-ARF, detected) and print the receipt or the problem')
    .argument('<file>', 'the report')
    .option('--key <api key>', "the source's API key (default: RELAY_API_KEY)")
    .option('--id <source report id>', "the report's source report id, sent outside the body (Relay-Source-Report-Id): NCMEC's report number for a CyberTipline report")
    .option('--http [url]', `send over HTTP to the gateway at this URL (default ${DEFAULT_HTTP}) instead of NATS intake`)
    .option('--json', 'print the receipt or problem document as JSON')
    .action(async (file: string, options: SubmitOptions) => {
      const key = options.key ?? ctx.env['RELAY_API_KEY'];
      if (key === undefined || key === '') throw new UsageError('no API key: pass --key <api key> or set RELAY_API_KEY (`relay dev` prints the demo keys)');
      let body: string;
      try {
        body = await readFile(file, 'utf8');
      } catch (err) {
        throw new FileError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, err);
      }
      const format = detectFormat(body, file);
      let receipt: Receipt;
      try {
        if (options.http !== undefined) {
          receipt = await submitOverHttp(options.http === true ? DEFAULT_HTTP : options.http, key, body, format, options.id);
        } else {
          receipt = await withBus(ctx, 'relay-submit', async (bus) => {
            try {
              return await submitReport(bus, key, body, format, { sourceReportId: options.id });
            } catch (err) {
              if (isSubmitRefusedError(err) || !isRetryable(err)) throw err;
              throw new UnavailableError(`no gateway answered on relay.intake.submit at ${natsUrlOf(ctx)}: is the relay running (npm start)?`, err);
            }
          });
        }
      } catch (err) {
        if (isSubmitRefusedError(err)) printRefusal(ctx, err.problem, outputMode(options) === 'json');
        throw err;
      }
      if (outputMode(options) === 'json') {
        printJson(ctx, receipt);
        return;
      }
      printFields(ctx, [
        ['Accepted', `${FORMAT_NAMES[format]} report ${file}`],
        ['Report id', receipt.reportId],
        ['Source', typeof receipt['source'] === 'string' ? receipt['source'] : ''],
        ['Source report id', typeof receipt['sourceReportId'] === 'string' ? receipt['sourceReportId'] : ''],
        ['Stored as', `${receipt.stream} #${receipt.seq}`],
        // What the report held that the gateway validated and did not relay (personal data, free text, ...).
        ...(receipt.dropped && receipt.dropped.length > 0 ? [['Not relayed', receipt.dropped.join(', ')] as [string, string]] : []),
      ]);
    });
}
