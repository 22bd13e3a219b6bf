// codegen.ts of a frontend repo: typed documents, ids as strings, @semanticNonNull fields non-null.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  // The printed schema (it carries the @semanticNonNull marks); or the endpoint: 'http://localhost:4000/graphql'.
  schema: '../rest-graph/generated/schema.graphql',
  documents: ['src/**/*.tsx', 'src/**/*.graphql'],
  // ES module imports with their `.js` (what `"moduleResolution": "nodenext"` and bundlers both take).
  emitLegacyCommonJSImports: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      // persisted-documents.json: the manifest the graph reads (PERSISTED_OPERATIONS_FILE).
      presetConfig: { persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: {
        // ID is a string here (the graph's ids are opaque strings), not string | number.
        scalars: { ID: 'string' },
        // Only for a client that never reads an errored field (errorPolicy 'none', onError: HALT).
        nullability: { errorHandlingClient: true },
      },
    },
  },
};
export default config;
