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
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { badRequest, PERSISTED_OPERATION_ERRORS } from '../errors/graph-errors.js';
import { useCsrfPrevention } from './csrf-prevention.js';
import { useSubgraphSdlRefusal } from './subgraph-sdl.js';
import { useAutomaticPersistedQueries, type PersistedDocuments } from './persisted-operations.js';

/** What the endpoint shows about itself; stricter when `NODE_ENV` is `production`. */
export interface ExposureSettings {
  /** @default NODE_ENV === "production" */
  readonly production: boolean;
  /** Schema introspection. @default on, off in production (`INTROSPECTION`: `on` or `off`) */
  readonly introspection: boolean;
  /**
   * The subgraph's SDL, every description included, as `{ _service { sdl } }` (what a federation
   * router may fetch at run time). Off, it is refused like introspection; the router gets the
   * SDL from `npm run subgraph` at build time instead.
   * @default on, off in production (`SUBGRAPH_SDL`: `on` or `off`)
   */
  readonly subgraphSdl: boolean;
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
    withRequestParameters(
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
    ),
  ];
  if (exposure.csrfPrevention) plugins.push(useCsrfPrevention());
  if (!exposure.introspection) plugins.push(useDisableIntrospection(), blockFieldSuggestionsPlugin());
  if (!exposure.subgraphSdl) plugins.push(useSubgraphSdlRefusal());
  return plugins;
}

/**
 * Yoga's persisted-operations plugin with the request's other parameters kept: it rebuilds the
 * parameters from the four standard ones when it puts the document in, which dropped `onError`
 * (a persisted operation always ran under PROPAGATE). Whatever else the request said is put
 * back beside the document. A request with both a document and a hash is refused, saying which
 * to send (yoga only says that `documentId` is unexpected).
 */
function withRequestParameters(plugin: Plugin): Plugin {
  const onParams = plugin.onParams;
  if (onParams === undefined) return plugin;
  return {
    ...plugin,
    onParams(payload) {
      const sent = payload.params as GraphQLParams & Record<string, unknown>;
      if (typeof sent.query === 'string' && sent.query !== '' && sent.documentId != null)
        throw badRequest('Send either the document (query) or the hash of a persisted operation (documentId), not both.');
      const { documentId: _hash, ...rest } = sent;
      return onParams({
        ...payload,
        setParams: (params) => payload.setParams({ ...rest, ...params }),
      });
    },
  };
}
