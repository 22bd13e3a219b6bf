/**
 * What the endpoint shows about itself and whom it serves (`ExposureSettings`): stricter
 * in production. Introspection and field suggestions go together (a suggestion reveals
 * the schema as surely as introspection), CSRF prevention refuses requests a third-party
 * page could make a browser send, and persisted operations let a client send a hash
 * instead of a document, or (`PERSISTED_OPERATIONS_ONLY`) only that.
 */
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { defaultExtractPersistedOperationId, usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ExposureSettings } from '../server/config.js';
import { readPersistedDocuments } from '../server/project-files.js';

export function useExposure(exposure: ExposureSettings): Plugin[] {
  const documents = readPersistedDocuments();
  const plugins: Plugin[] = [
    usePersistedOperations({
      // `documentId` (GraphQL over HTTP's persisted documents), else Apollo's `extensions.persistedQuery`.
      extractPersistedOperationId: (params, request, context) => {
        const { documentId } = params as { documentId?: unknown };
        return typeof documentId === 'string' ? documentId : defaultExtractPersistedOperationId(params, request, context);
      },
      // Codegen names a document `sha256:<hex>`; Apollo clients send the bare hex.
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
  if (exposure.csrfPrevention) plugins.push(useCsrfPrevention());
  if (!exposure.introspection) plugins.push(useDisableIntrospection() as Plugin, blockFieldSuggestionsPlugin() as Plugin);
  return plugins;
}

/** The header that shows a request was not sent by a form or a plain link (yoga's name for it). */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** What a browser sends from another site without asking the server first (no CORS preflight). */
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * CSRF prevention as yoga's plugin does it (@graphql-yoga/plugin-csrf-prevention), with a
 * code on the refusal, which that plugin's error lacks: a request a third-party page could
 * make a browser send without a preflight (a GET, or a form's content type) must carry a
 * header such a page cannot set.
 */
function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      const contentType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
      if (contentType !== undefined && contentType !== '' && !SIMPLE_CONTENT_TYPES.includes(contentType)) return;
      if (request.headers.has(CSRF_HEADER)) return;
      throw new GraphQLError(`This request could come from another site: send it with a content-type of application/json, or with a ${CSRF_HEADER} header.`, {
        extensions: { code: 'CSRF_PREVENTED', http: { status: 403 } },
      });
    },
  };
}
