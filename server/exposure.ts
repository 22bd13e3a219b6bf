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
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import type { ExposureSettings } from './config.js';
import { readPersistedDocuments } from './project-files.js';

export function useExposure(exposure: ExposureSettings): Plugin[] {
  const documents = readPersistedDocuments();
  const plugins: Plugin[] = [
    usePersistedOperations({
      // Codegen names a document `sha256:<hex>`; Apollo clients send the bare hex.
      getPersistedOperation: (key) => documents.get(key) ?? documents.get(`sha256:${key}`) ?? null,
      allowArbitraryOperations: !exposure.persistedOperationsOnly,
    }) as Plugin,
  ];
  if (exposure.csrfPrevention) plugins.push(useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }) as Plugin);
  if (!exposure.introspection) plugins.push(useDisableIntrospection() as Plugin, blockFieldSuggestionsPlugin() as Plugin);
  return plugins;
}
