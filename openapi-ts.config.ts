import { defineConfig } from '@hey-api/openapi-ts';
import { SERVICE_NAMES } from './errors/service-name.js';

/**
 * The services' shapes, generated from their OpenAPI documents (contracts/<service>.openapi.yaml):
 * TypeScript types (types.gen.ts) and zod validators (zod.gen.ts) in generated/upstreams/<service>/,
 * which the datasources read answers with. `npm run codegen` writes them; `npm test` checks them
 * up to date (test/generated.test.ts generates into UPSTREAM_TYPES_DIR and compares).
 */
const outputRoot = process.env.UPSTREAM_TYPES_DIR ?? 'generated/upstreams';

export default defineConfig(
  SERVICE_NAMES.map((service) => ({
    input: `./contracts/${service}.openapi.yaml`,
    output: { path: `${outputRoot}/${service}`, clean: true },
    plugins: [
      '@hey-api/typescript',
      {
        name: 'zod',
        // What the validators check costs CPU on every answer read, so they check what the graph
        // relies on: a 32-bit integer as one check (z.int32(), as GraphQL's Int), and a date's
        // text left as text (the graph passes `birthDate` and `createdAt` on, never parses them).
        '~resolvers': {
          number: (ctx) =>
            ctx.schema.type === 'integer' &&
            ctx.schema.format === 'int32' &&
            ctx.schema.minimum === undefined &&
            ctx.schema.maximum === undefined
              ? ctx.$(ctx.symbols.z).attr('int32').call()
              : undefined,
          string: (ctx) => {
            if (ctx.schema.format === 'date' || ctx.schema.format === 'date-time') ctx.nodes.format = () => undefined;
            return undefined;
          },
        },
      },
    ],
    logs: { file: false },
  })),
);
