import { PROBLEM_CONTENT_TYPE, problemSchema, receiptSchema } from '@relay/wire';
import { z } from 'zod';
import { MediaType } from './decode.js';
import { cyberTiplineSchema } from './formats/cybertipline.js';
import { nativeReportSchema } from './formats/native.js';
import { xarfSchema } from './formats/xarf.js';
import { SOURCE_REPORT_ID_HEADER, SOURCE_REPORT_ID_PATTERN } from './source-report-id.js';
import { statusBodySchema, statusReceiptSchema } from './status.js';

/** Components of the OpenAPI document, each generated from the zod schema the gateway validates with. */
function components(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  registry.add(nativeReportSchema, { id: 'NativeReport' });
  registry.add(xarfSchema, { id: 'XarfContentReport' });
  registry.add(cyberTiplineSchema, { id: 'CyberTiplineReportTree' });
  registry.add(receiptSchema, { id: 'Receipt' });
  registry.add(problemSchema, { id: 'Problem' });
  registry.add(statusBodySchema, { id: 'StatusUpdate' });
  registry.add(statusReceiptSchema, { id: 'StatusReceipt' });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
    out[id] = rest;
  }
  return out;
}

const ref = (id: string): { $ref: string } => ({ $ref: `#/components/schemas/${id}` });

function problemResponse(description: string): object {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } } };
}

/**
 * The OpenAPI 3.1 document of the gateway, served at `/openapi.json` and
 * rendered at `/docs`. The request and response schemas are the zod schemas
 * of the intake, converted with `z.toJSONSchema`, so the description cannot
 * drift from what is enforced.
 */
export function openApiDocument(options: { readonly version: string; readonly bodyLimitBytes: number }): Record<string, unknown> {
  const idHeader = {
    name: SOURCE_REPORT_ID_HEADER,
    in: 'header',
    required: false,
    description:
      "The source report id given outside the body: NCMEC's report number for a CyberTipline <report> (which has none inside; it is then also the report's ncmecReportId). " +
      'Same rules as a body id; where the body has an id of its own it must be the same (else 400 source-report-id-mismatch). Also accepted on relay.intake.submit.',
    schema: { type: 'string', pattern: SOURCE_REPORT_ID_PATTERN, maxLength: 100 },
  };
  const body = {
    required: true,
    content: {
      [MediaType.Json]: { schema: { oneOf: [ref('NativeReport'), ref('XarfContentReport')] } },
      [MediaType.Xarf]: { schema: ref('XarfContentReport') },
      [MediaType.Xml]: {
        schema: {
          type: 'string',
          description:
            "NCMEC's CyberTipline <report> document, valid by NCMEC's reporting-API XSD (pinned copy), without DTD. The relay reads the tree CyberTiplineReportTree (attributes as @name, repeated elements as arrays): the web-page URLs, incident type, time and escalation; the receipt's dropped lists the JSON pointers of everything else. " +
            "Also NCMEC's <fileDetails> document (same XSD): a file of a report stored earlier under NCMEC's number (reportId); the relay reads its originalFileHash values (MD5, SHA1, SHA256, PhotoDNA) and industryClassification and drops the rest; 409 report-not-known when no such report is stored",
        },
      },
    },
  };
  const responses = (stored: string): Record<string, unknown> => ({
    '202': { description: stored, content: { [MediaType.Json]: { schema: ref('Receipt') } } },
    '400': problemResponse('Invalid report or source report id; the problem names the field (JSON pointer) or the place (header, path) and the rule'),
    '401': problemResponse('Missing or unknown API key'),
    '403': problemResponse('The source is disabled'),
    '413': problemResponse('Body over the limit'),
    '409': problemResponse(
      'The source report id already names a different report (content digest differs; a resend of the same report gets its first receipt), or a fileDetails names a report the relay does not hold (report-not-known)',
    ),
    '415': problemResponse('Unsupported media type or charset'),
    '429': problemResponse('Per-source rate limit (shared by every gateway) reached; see Retry-After'),
    '503': problemResponse(
      'Not stored: not acknowledged by JetStream (`unavailable`), its store is full (`store-full`), the gateway is at its bound of submissions in flight (`overloaded`), or the rate limit could not be checked; resend the same report after Retry-After',
    ),
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hotline Relay gateway',
      version: options.version,
      description:
        'Intake of reports about URLs serving child sexual abuse material. No content is ever accepted: only URLs, hashes and metadata. ' +
        'A 202 receipt is sent only after the report is stored in JetStream; resending the same report (same source report id) is safe and returns an equal receipt. ' +
        'The same intake is served over NATS on relay.intake.submit (headers Authorization, Content-Type and optionally Relay-Source-Report-Id; reply header Relay-Status).',
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'The API key of the reporting source' } },
      schemas: components(),
    },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/reports': {
        post: {
          operationId: 'submitReport',
          summary: 'Submit a report (native JSON, CyberTipline XML or X-ARF v4)',
          description: `Bodies up to ${options.bodyLimitBytes} bytes, UTF-8. JSON with a top-level xarf_version is read as X-ARF and validated by the official X-ARF v4 schemas. The source report id is the body's own (native sourceReportId, X-ARF report_id), else the ${SOURCE_REPORT_ID_HEADER} header, else (a CyberTipline report sent without one) sha256- and the hex SHA-256 of the canonical document.`,
          parameters: [idHeader],
          requestBody: body,
          responses: responses('Stored in JetStream'),
        },
      },
      '/v1/reports/{id}': {
        put: {
          operationId: 'putReport',
          summary: 'Submit a report under the source report id in the path (e.g. NCMEC\'s CyberTipline report number)',
          description:
            'The same intake, validation and receipt as POST /v1/reports, with the source report id in the path. Idempotent: the same report under the same id gets its first receipt and is stored once. A body with an id of its own, or a header, that names another id is refused (400 source-report-id-mismatch).',
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              description: 'The source report id: 1-100 characters of [A-Za-z0-9_-], starting with a letter or digit',
              schema: { type: 'string', pattern: SOURCE_REPORT_ID_PATTERN, maxLength: 100 },
            },
            idHeader,
          ],
          requestBody: body,
          responses: responses('Stored in JetStream (or already stored under this id: the first receipt)'),
        },
      },
      '/v1/status': {
        post: {
          operationId: 'postStatus',
          summary: "A hotline's status update on one of its referrals (ICCAM actions), for systems without a NATS connection",
          description:
            'Published on relay.status.<hotline> exactly as a hotline does over NATS (Nats-Msg-Id <hotline>:<id>), signed by the gateway on behalf of the hotline of the API key (the source\'s hotline in the sources file; decision 0130). ' +
            'The 202 means stored, like a NATS publish ack: the dispatcher then applies it with the same rules as a status over NATS (only for a referral routed to this hotline and the case\'s current referral; occurredAt within bounds); a refused one goes to the DLQ, as over NATS. ' +
            'Resending the same id is safe: it is stored once (duplicate: true) and applied once, whether it came over HTTP or NATS.',
          requestBody: { required: true, content: { [MediaType.Json]: { schema: ref('StatusUpdate') } } },
          responses: {
            '202': { description: 'Stored in JetStream', content: { [MediaType.Json]: { schema: ref('StatusReceipt') } } },
            '400': problemResponse('Invalid update; the problem names each field (JSON pointer) and the rule'),
            '401': problemResponse('Missing or unknown API key'),
            '403': problemResponse('The source is disabled, is not a hotline, or the body names another hotline (pointer /hotline)'),
            '413': problemResponse('Body over the limit'),
            '415': problemResponse('Not application/json in UTF-8'),
            '429': problemResponse('Per-source rate limit (shared with reports) reached; see Retry-After'),
            '503': problemResponse('Not acknowledged by JetStream; resend the same update after Retry-After'),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          security: [],
          summary: 'Ready when NATS is connected and the topology ensured',
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
    },
  };
}
