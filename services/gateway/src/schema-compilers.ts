import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;

/**
 * Fastify's own default schema compilers (ajv and fast-json-stringify), loaded
 * when a route first declares a body, querystring, params, headers or response
 * schema rather than when the instance is created. Fastify requires both at
 * `Fastify()`, about 250 modules and a third of the gateway's start-up on this
 * machine, and the gateway's routes declare none: the intake reads raw bytes
 * and validates with zod. Pass as `schemaController.compilersFactory`.
 */
export function lazySchemaCompilers(): Required<CompilersFactory> {
  const require = createRequire(import.meta.url);
  let validator: ValidatorFactory | undefined;
  let serializer: SerializerFactory | undefined;
  return {
    buildValidator: (externalSchemas, options) => {
      validator ??= (require('@fastify/ajv-compiler') as () => ValidatorFactory)();
      return validator(externalSchemas, options);
    },
    buildSerializer: (externalSchemas, options) => {
      serializer ??= (require('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)();
      return serializer(externalSchemas, options);
    },
  };
}
