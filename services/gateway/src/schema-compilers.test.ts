import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from './schema-compilers.js';

describe('the schema compilers loaded on first use', () => {
  it('still validate request bodies and serialize responses of a route that declares schemas', async () => {
    const app = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers() } });
    app.post(
      '/echo',
      {
        schema: {
          body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
          response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
        },
      },
      (req, reply) => reply.send({ ...(req.body as { n: number }), secret: 'dropped by the response schema' }),
    );
    try {
      const bad = await app.inject({ method: 'POST', url: '/echo', payload: { n: 'one' } });
      expect(bad.statusCode).toBe(400);
      const good = await app.inject({ method: 'POST', url: '/echo', payload: { n: 1 } });
      expect(good.statusCode).toBe(200);
      expect(good.json()).toEqual({ n: 1 });
    } finally {
      await app.close();
    }
  });
});
