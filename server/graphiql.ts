import type { GraphiQLOptions } from 'graphql-yoga';
import { UPSTREAM_CALLS_HEADER } from '../telemetry/upstream-call-list.js';
import { readGraphQLFiles } from './project-files.js';

/** The example operations in the order a newcomer should meet them; any others follow. */
const TAB_ORDER = ['profile.graphql', 'users.graphql', 'order.graphql', 'place-order.graphql', 'partial-result.graphql'];

/**
 * GraphiQL opens with one tab per example operation in `operations/`. Their variables have
 * default values in the documents themselves, so that every tab runs as it opens.
 */
export function graphiqlOptions(options: { upstreamCallList: boolean; authentication: boolean }): GraphiQLOptions {
  const operations = readGraphQLFiles('operations');
  const rank = (name: string) => {
    const place = TAB_ORDER.indexOf(name);
    return place === -1 ? TAB_ORDER.length : place;
  };
  const names = [...operations.keys()].sort((a, b) => rank(a) - rank(b));
  const headers: Record<string, string> = {
    // Shows each answer's upstream calls (service, route, start, duration) in its extensions: the fan-out at a glance.
    ...(options.upstreamCallList ? { [UPSTREAM_CALLS_HEADER]: '1' } : {}),
    // Where the token goes; until it is pasted, every operation answers UNAUTHENTICATED.
    ...(options.authentication ? { authorization: 'Bearer <paste the output of: npm run token -- u1>' } : {}),
  };
  return {
    title: 'REST graph',
    defaultTabs: names.map((name) => ({ query: operations.get(name)! })),
    ...(Object.keys(headers).length > 0 ? { headers: JSON.stringify(headers, null, 2) } : {}),
  };
}
