import { checkHealth, type HealthChecks, type Logger, type Metrics } from '@relay/observability';
import Fastify, { LogController } from 'fastify';
import { docsOnDemand } from './docs.js';
import { openApiDocument } from './openapi.js';
import { PROBLEM_CONTENT_TYPE, problem, Rule } from './problems.js';
import { lazySchemaCompilers } from './schema-compilers.js';

/** What the ops port serves. */
export interface OpsHttpDeps {
  readonly registry: Metrics['registry'];
  readonly health: HealthChecks;
  readonly logger: Logger;
  /** Version shown in the OpenAPI document. */
  readonly version: string;
  /** Largest accepted body, bytes, for the OpenAPI document. */
  readonly bodyLimitBytes: number;
}

/**
 * Builds the gateway's ops app (not yet listening), for operators and
 * scrapers, never for reporters (decision 0093): `/metrics` (Prometheus),
 * `/healthz` (as on the API port), `/openapi.json` and the Swagger UI at
 * `/docs`. Like the locator's and dispatcher's ops port; kept apart from the
 * public port so that metrics (sources, volumes) stay internal and the
 * on-demand docs (about 100 modules) cannot be triggered from outside.
 */
export async function buildOpsApp(deps: OpsHttpDeps) {
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    schemaController: { compilersFactory: lazySchemaCompilers() },
    requestTimeout: 30_000,
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem(404, Rule.NotFound, `no route ${req.method} ${req.url.slice(0, 200)}`))),
  );
  // Built on first use: only /openapi.json and /docs need it (z.toJSONSchema of every intake schema).
  let document: Record<string, unknown> | undefined;
  const openApi = (): Record<string, unknown> => (document ??= openApiDocument({ version: deps.version, bodyLimitBytes: deps.bodyLimitBytes }));
  const docs = docsOnDemand({ prefix: '/docs', document: openApi });
  app.get('/docs', docs);
  app.get('/docs/*', docs);
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(openApi())));
  app.get('/healthz', async (_req, reply) => {
    const report = checkHealth(deps.health);
    return reply.code(report.status === 'ok' ? 200 : 503).type('application/json; charset=utf-8').send(JSON.stringify(report));
  });
  app.get('/metrics', async (_req, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()));
  return app;
}

/** The gateway's ops fastify instance. */
export type OpsApp = Awaited<ReturnType<typeof buildOpsApp>>;
