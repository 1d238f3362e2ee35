import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { lazySchemaCompilers } from './schema-compilers.js';

/** What {@link docsOnDemand} serves. */
export interface DocsOptions {
  /** Where the Swagger UI lives, e.g. `/docs`. */
  readonly prefix: string;
  /** The OpenAPI document it shows. */
  readonly document: () => Record<string, unknown>;
}

/** Headers of the inner response that belong to its own connection, not to the one answered. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length']);

/**
 * A GET handler for `prefix` and `prefix/*` that serves the Swagger UI
 * (@fastify/swagger in static mode + @fastify/swagger-ui) from a separate
 * fastify instance built on the first request there. The two plugins load
 * about 100 modules (yaml, @fastify/static, send) that the intake never needs;
 * loaded at start they cost the gateway about a fifth of its start-up
 * (decision 0083). A path the UI does not know falls through to the outer
 * app's not-found handler, as it did when the plugins were registered on it.
 */
export function docsOnDemand(options: DocsOptions): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  let docs: Promise<FastifyInstance> | undefined;
  const build = async (): Promise<FastifyInstance> => {
    const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')]);
    const inner = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers() } });
    await inner.register(swagger, { mode: 'static', specification: { document: options.document() as never } });
    await inner.register(swaggerUi, { routePrefix: options.prefix });
    await inner.ready();
    return inner;
  };
  return async (req, reply) => {
    // A failed build is not kept: the next request tries again.
    docs ??= build().catch((err: unknown) => {
      docs = undefined;
      throw err;
    });
    // Always GET: fastify answers HEAD with the GET route, minus the body, plus its length.
    const res = await (await docs).inject({ method: 'GET', url: req.url, headers: req.headers });
    if (res.statusCode === 404) {
      reply.callNotFound();
      return reply;
    }
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) void reply.header(name, value);
    }
    return res.rawPayload.length === 0 ? reply.code(res.statusCode).send() : reply.code(res.statusCode).send(res.rawPayload);
  };
}
