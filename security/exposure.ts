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
import type { Plugin } from 'graphql-yoga';
import { PERSISTED_OPERATION_ERRORS } from '../errors/graph-errors.js';
import { useCsrfPrevention } from './csrf-prevention.js';
import { useAutomaticPersistedQueries, type PersistedDocuments } from './persisted-operations.js';

/** What the endpoint shows about itself; stricter when `NODE_ENV` is `production`. */
export interface ExposureSettings {
  /** @default NODE_ENV === "production" */
  readonly production: boolean;
  /** Schema introspection. @default on, off in production (`INTROSPECTION`: `on` or `off`) */
  readonly introspection: boolean;
  /** GraphiQL on `GET /graphql`. @default on, off in production (`GRAPHIQL`: `on` or `off`) */
  readonly graphiql: boolean;
  /**
   * Refuses GET and form-like requests without a non-simple header (`content-type: application/json`,
   * `x-graphql-yoga-csrf`...), so a third-party page cannot make a browser run operations.
   * @default off, on in production (`CSRF_PREVENTION`: `on` or `off`)
   */
  readonly csrfPrevention: boolean;
  /**
   * Only the operations of the manifests run (the graph's own, and `PERSISTED_OPERATIONS_FILE`'s),
   * sent by hash (`documentId`, or Apollo's `extensions.persistedQuery.sha256Hash`); any other
   * document is refused, and automatic persisted queries register nothing.
   * @default off (`PERSISTED_OPERATIONS_ONLY`: `on` or `off`)
   */
  readonly persistedOperationsOnly: boolean;
  /**
   * Manifests of persisted operations from the frontends' repos (the client preset's
   * `persisted-documents.json`), besides the graph's own; read at start and on SIGHUP.
   * @default unset (`PERSISTED_OPERATIONS_FILE`: comma-separated paths)
   */
  readonly persistedOperationsFiles: readonly string[] | undefined;
}

/** `documents`: the persisted operations of the manifests, by hash. */
export function useExposure(exposure: ExposureSettings, documents: PersistedDocuments): Plugin[] {
  const plugins: Plugin[] = [
    // Automatic persisted queries register documents: never where only the manifests' may run.
    ...(exposure.persistedOperationsOnly ? [] : [useAutomaticPersistedQueries(documents)]),
    usePersistedOperations({
      // `documentId` (GraphQL over HTTP's persisted documents), else Apollo's `extensions.persistedQuery`.
      extractPersistedOperationId: (params, request, context) => {
        const { documentId } = params as { documentId?: unknown };
        return typeof documentId === 'string' ? documentId : defaultExtractPersistedOperationId(params, request, context);
      },
      // Codegen names a document `sha256:<hex>`; Apollo clients send the bare hex.
      getPersistedOperation: (key) => documents.get(key) ?? null,
      allowArbitraryOperations: !exposure.persistedOperationsOnly,
      customErrors: PERSISTED_OPERATION_ERRORS,
    }),
  ];
  if (exposure.csrfPrevention) plugins.push(useCsrfPrevention());
  if (!exposure.introspection) plugins.push(useDisableIntrospection(), blockFieldSuggestionsPlugin());
  return plugins;
}
