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
    // ISO-8601 as the contract says it: with Z, an offset, or neither.
    plugins: ['@hey-api/typescript', { name: 'zod', dates: { offset: true, local: true } }],
    logs: { file: false },
  })),
);
