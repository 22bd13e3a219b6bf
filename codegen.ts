import type { CodegenConfig } from '@graphql-codegen/cli';
import { ALL_ERROR_CODES } from './errors/codes.js';

/** The `extensions.code` values as a TypeScript union, from the one taxonomy (errors/codes.ts). */
const errorCodes = [
  '/** Every `extensions.code` an answer of the graph can carry (errors/codes.ts); match on these, they never change meaning. */',
  'export type ErrorCode =',
  ...Object.entries(ALL_ERROR_CODES).map(([code, meaning]) => `  /** ${meaning} */\n  | '${code}'`),
  ';',
  '',
  '/** The same, as a list: for a runtime check (`ERROR_CODES.includes(code)`). */',
  `export const ERROR_CODES = [${Object.keys(ALL_ERROR_CODES)
    .map((code) => `'${code}'`)
    .join(', ')}] as const satisfies readonly ErrorCode[];`,
  '',
].join('\n');

/**
 * The SDL in `schema/` is the source of truth. From it we generate:
 * - the resolver types the server is written against,
 * - the printed schema that frontend teams point their own codegen at,
 * - a typed client (client preset) for the example operations in `operations/`, and their
 *   persisted-operation hashes,
 * - the `extensions.code` values as a TypeScript union (`generated/client/error-codes.ts`).
 */
const config: CodegenConfig = {
  schema: 'schema/*.graphql',
  documents: 'operations/*.graphql',
  ignoreNoDocuments: false,
  emitLegacyCommonJSImports: false,
  generates: {
    'generated/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        // Entities (@key) get a typed __resolveReference.
        federation: true,
        // A nullable field may also resolve to a promise of null (a loader's "not found").
        maybeValue: 'T | null | Promise<T | null>',
        inputMaybeValue: 'T | null',
        scalars: { ID: 'string', FieldSet: 'string', link__Import: 'string' },
        // A @semanticNonNull field's resolver answers a value or fails: never a bare null.
        customDirectives: { semanticNonNull: true },
        contextType: '../server/context.js#GraphContext',
        mappers: {
          User: '../datasources/personal-datasource.js#UserRef',
          PersonalInfo: '../datasources/personal-datasource.js#PersonalUser',
          ProfessionalInfo: '../datasources/professional-datasource.js#Profile',
          Order: '../datasources/orders-datasource.js#OrderRecord',
          OrderItem: '../datasources/orders-datasource.js#OrderItemRecord',
        },
      },
    },
    'generated/schema.graphql': {
      plugins: ['schema-ast'],
      config: { includeDirectives: true },
    },
    'generated/client/error-codes.ts': {
      plugins: [{ add: { content: errorCodes } }],
    },
    'generated/client/': {
      preset: 'client',
      // persisted-documents.json: hash → document, what PERSISTED_OPERATIONS_ONLY accepts.
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { ID: 'string' },
        // A @semanticNonNull field is typed non-null: for clients that never read an errored field
        // (they throw on it, or ask with onError: HALT and get no data at all).
        nullability: { errorHandlingClient: true },
      },
    },
  },
};

export default config;
