/**
 * What the endpoint shows about itself and whom it serves (`ExposureSettings`): stricter
 * in production. Introspection and field suggestions go together (a suggestion reveals
 * the schema as surely as introspection), CSRF prevention refuses requests a third-party
 * page could make a browser send, and persisted operations let a client send a hash
 * instead of a document, or (`PERSISTED_OPERATIONS_ONLY`) only that.
 */
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { defaultExtractPersistedOperationId, usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import type { ExposureSettings } from './config.js';
import { readPersistedDocuments } from './project-files.js';

export function useExposure(exposure: ExposureSettings): Plugin[] {
  const documents = readPersistedDocuments();
  const plugins: Plugin[] = [
    usePersistedOperations({
      // Codegen names a document `sha256:<hex>`; Apollo clients send the bare hex.
      // `documentId` (GraphQL over HTTP's persisted documents), else Apollo's `extensions.persistedQuery`.
      extractPersistedOperationId: (params, request, context) => {
        const { documentId } = params as { documentId?: unknown };
        return typeof documentId === 'string' ? documentId : defaultExtractPersistedOperationId(params, request, context);
      },
      getPersistedOperation: (key) => documents.get(key) ?? documents.get(`sha256:${key}`) ?? null,
      allowArbitraryOperations: !exposure.persistedOperationsOnly,
      customErrors: {
        persistedQueryOnly: {
          message: 'Only persisted operations run here: send the hash of one (generated/client/persisted-documents.json) as documentId.',
          extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
        },
        keyNotFound: { message: 'Send a query, or the hash of a persisted operation as documentId.', extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
        notFound: { message: 'No persisted operation has this hash.', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404 } } },
      },
    }) as Plugin,
  ];
  if (exposure.csrfPrevention) plugins.push(useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }) as Plugin);
  if (!exposure.introspection) plugins.push(useDisableIntrospection() as Plugin, blockFieldSuggestionsPlugin() as Plugin);
  return plugins;
}
