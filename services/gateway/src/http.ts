import { checkHealth, type HealthChecks, type Logger } from '@relay/observability';
import Fastify, { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Answer, Intake, IntakeMetrics } from './intake.js';
import type { Keyring } from './auth.js';
import type { HttpTimeouts } from './config.js';
import { admitSource, RETRY_AFTER_UNAVAILABLE_S, type SourceRateLimiter } from './limits.js';
import { type LoadGate, overloadedProblem, RETRY_AFTER_OVERLOADED_S } from './load-gate.js';
import { type Problem, PROBLEM_CONTENT_TYPE, problem, Rule } from './problems.js';
import { lazySchemaCompilers } from './schema-compilers.js';
import { IdPlace, type OutsideId, SOURCE_REPORT_ID_HEADER } from './source-report-id.js';
import type { StatusAnswer, StatusIntake } from './status.js';

/** What the HTTP API is made of. */
export interface HttpDeps {
  readonly intake: Intake;
  /** `POST /v1/status` (decision 0130). */
  readonly statuses: StatusIntake;
  readonly keyring: Keyring;
  readonly bodyLimitBytes: number;
  /** Reports per minute per source unless the source sets its own. */
  readonly rateLimitPerMinute: number;
  /** The per-source limit shared by every gateway copy. */
  readonly limiter: SourceRateLimiter;
  /** Bounds the submissions held at once, shared with the NATS intake. */
  readonly gate: LoadGate;
  readonly timeouts: HttpTimeouts;
  readonly health: HealthChecks;
  readonly metrics: IntakeMetrics;
  readonly logger: Logger;
}

const sourceOf = new WeakMap<FastifyRequest, string>();

function sendProblem(reply: FastifyReply, p: Problem, retryAfterSeconds?: number): FastifyReply {
  if (p.status === 401) void reply.header('www-authenticate', 'Bearer realm="hotline-relay"');
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
  else if (p.status === 503) void reply.header('retry-after', String(RETRY_AFTER_UNAVAILABLE_S));
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}

function sendAnswer(reply: FastifyReply, answer: Answer | StatusAnswer): FastifyReply {
  if ('receipt' in answer) return reply.code(202).type('application/json; charset=utf-8').send(JSON.stringify(answer.receipt));
  return sendProblem(reply, answer.problem);
}

/**
 * The source report ids a request gives outside its body: the header (a
 * repeated header arrives joined and fails the id rules) and the path.
 */
function outsideIdsOf(req: FastifyRequest, pathId: string | undefined): OutsideId[] {
  const ids: OutsideId[] = [];
  if (pathId !== undefined) ids.push({ value: pathId, place: IdPlace.Path });
  const header = req.headers[SOURCE_REPORT_ID_HEADER.toLowerCase()];
  if (header !== undefined) ids.push({ value: Array.isArray(header) ? header.join(', ') : header, place: IdPlace.Header });
  return ids;
}

/** Maps what fastify and its plugins throw to a problem document. */
function problemOfError(err: unknown): Problem | undefined {
  const code = (err as { code?: unknown }).code;
  const status = (err as { statusCode?: unknown }).statusCode;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) return problem(413, Rule.BodyTooLarge, 'the body is larger than the limit');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return problem(415, Rule.UnsupportedMediaType, 'use application/json, application/vnd.xarf+json or application/xml');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return problem(400, Rule.Format, `the request is malformed: ${err instanceof Error ? err.message.slice(0, 200) : 'bad request'}`);
  }
  return undefined;
}

/**
 * Builds the gateway's public HTTP API (not yet listening): `POST /v1/reports`
 * and `PUT /v1/reports/{id}` (the source report id in the path; also the
 * `Relay-Source-Report-Id` header on either) (authenticated, rate-limited per source across every gateway copy, body
 * read raw and handed to the intake), `POST /v1/status` (a hotline's status
 * update, decision 0130) and `/healthz` for load balancers.
 * `/metrics`, `/openapi.json` and `/docs` are on the ops port (ops-http.ts).
 * A client that sends its headers or body too slowly, or idles, is cut off
 * (`timeouts`). Every refusal is an RFC 9457 problem document.
 */
export async function buildHttpApp(deps: HttpDeps) {
  const t = deps.timeouts;
  const app = Fastify({
    loggerInstance: deps.logger,
    // Per-request access logs cost more than the intake itself; refusals are counted in metrics.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    // An over-long id in PUT /v1/reports/{id} gets the id rule's 400, not a 404 from the router.
    routerOptions: { maxParamLength: 1_000 },
    return503OnClosing: true,
    schemaController: { compilersFactory: lazySchemaCompilers() },
    requestTimeout: t.requestMs,
    connectionTimeout: t.idleMs,
    keepAliveTimeout: t.keepAliveMs,
    // Node checks the header and request deadlines only every `connectionsCheckingInterval` (30 s by default).
    http: { headersTimeout: t.headersMs, connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(t.headersMs / 4))) },
  });

  // Bodies reach the intake as raw bytes whatever their type: it checks the
  // media type, charset and encoding itself, the same way for HTTP and NATS.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimitBytes }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, _req, reply) => {
    const p = problemOfError(err);
    if (p === undefined) {
      deps.logger.error({ err }, 'unexpected error in the HTTP API');
      return sendProblem(reply, problem(500, Rule.Internal, 'internal error'));
    }
    deps.metrics.refused(p.status, p.rule);
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, problem(404, Rule.NotFound, `no route ${req.method} ${req.url.slice(0, 200)}`)));

  // Runs before the body is read: an unauthenticated or rate-limited request never gets its body parsed.
  // Returning the sent reply ends the request here (fastify's early-response rule for async hooks).
  const admit = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    // Shed first: a load far above capacity costs a refusal each, never a body in memory.
    if (!deps.gate.tryEnter()) {
      const shed = overloadedProblem();
      deps.metrics.refused(shed.status, shed.rule);
      return sendProblem(reply, shed, RETRY_AFTER_OVERLOADED_S);
    }
    // The place is given back when the response ends or the client goes away, whichever comes first.
    reply.raw.once('close', () => deps.gate.leave());
    const auth = deps.keyring.authenticate(req.headers.authorization);
    if (!auth.ok) {
      deps.metrics.refused(auth.problem.status, auth.problem.rule);
      return sendProblem(reply, auth.problem);
    }
    const refusal = await admitSource(deps.limiter, auth.source, deps.keyring.rateLimitOf(auth.source) ?? deps.rateLimitPerMinute);
    if (refusal) {
      deps.metrics.refused(refusal.problem.status, refusal.problem.rule);
      return sendProblem(reply, refusal.problem, refusal.retryAfterSeconds);
    }
    sourceOf.set(req, auth.source);
    return undefined;
  };

  const submit = async (req: FastifyRequest, reply: FastifyReply, pathId: string | undefined): Promise<FastifyReply> => {
    const source = sourceOf.get(req);
    if (source === undefined) return sendProblem(reply, problem(401, Rule.Unauthenticated, 'not authenticated'));
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const traceparent = req.headers.traceparent;
    const answer = await deps.intake.submit({
      source,
      contentType: req.headers['content-type'],
      body,
      traceparent: typeof traceparent === 'string' ? traceparent : undefined,
      outsideIds: outsideIdsOf(req, pathId),
    });
    return sendAnswer(reply, answer);
  };

  app.post('/v1/reports', { onRequest: admit }, async (req, reply) => submit(req, reply, undefined));
  // The same intake with the source report id in the path: idempotent, as every submission is.
  app.put<{ Params: { id: string } }>('/v1/reports/:id', { onRequest: admit }, async (req, reply) => submit(req, reply, req.params.id));

  app.post('/v1/status', { onRequest: admit }, async (req, reply) => {
    const source = sourceOf.get(req);
    if (source === undefined) return sendProblem(reply, problem(401, Rule.Unauthenticated, 'not authenticated'));
    const traceparent = req.headers.traceparent;
    const answer = await deps.statuses.submit({
      source,
      hotline: deps.keyring.hotlineOf(source),
      contentType: req.headers['content-type'],
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      traceparent: typeof traceparent === 'string' ? traceparent : undefined,
    });
    return sendAnswer(reply, answer);
  });

  app.get('/healthz', async (_req, reply) => {
    const report = checkHealth(deps.health);
    return reply.code(report.status === 'ok' ? 200 : 503).type('application/json; charset=utf-8').send(JSON.stringify(report));
  });
  return app;
}

/** The gateway's fastify instance. */
export type HttpApp = Awaited<ReturnType<typeof buildHttpApp>>;
