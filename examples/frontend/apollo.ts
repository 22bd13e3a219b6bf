// Apollo Client 4 against the graph: partial answers kept, @defer understood, persisted queries.
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';

// Apollo Client 4 types results by the default error policy: declare the one set below, so that
// `data` is typed as what may arrive beside errors (Apollo's documented form is a namespace).
/* eslint-disable @typescript-eslint/no-namespace */
declare module '@apollo/client' {
  export namespace ApolloClient {
    export namespace DeclareDefaultOptions {
      interface Query {
        errorPolicy: 'all';
      }
      interface WatchQuery {
        errorPolicy: 'all';
      }
      interface Mutate {
        errorPolicy: 'all';
      }
    }
  }
}
/* eslint-enable @typescript-eslint/no-namespace */

/** A failed optional service makes only its fields null: keep the rest (the default, 'none', drops it all). */
const KEEP_PARTIAL_DATA = {
  query: { errorPolicy: 'all' },
  watchQuery: { errorPolicy: 'all' },
  mutate: { errorPolicy: 'all' },
} as const;

export function createApolloClient(uri: string): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri }),
    cache: new InMemoryCache(),
    // The graph answers @defer in the incremental format of graphql-js 17.0.0-alpha.2 (2022-08-24):
    // without this handler Apollo Client 4 refuses a deferred query with an invariant error.
    incrementalHandler: new Defer20220824Handler(),
    defaultOptions: KEEP_PARTIAL_DATA,
  });
}

/** Automatic persisted queries: a hash first, the document only when the graph does not know it yet. */
export function createPersistedApolloClient(uri: string): ApolloClient {
  const sha256 = async (query: string) => {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(query));
    return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  };
  return new ApolloClient({
    link: createPersistedQueryLink({ sha256 }).concat(new HttpLink({ uri })),
    cache: new InMemoryCache(),
    defaultOptions: KEEP_PARTIAL_DATA,
  });
}
