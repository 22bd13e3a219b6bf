import type { GraphiQLOptions } from 'graphql-yoga';
import { UPSTREAM_CALLS_HEADER } from '../telemetry/upstream-call-list.js';
import { COST_HEADER } from '../security/demand-control.js';
import { ON_ERROR_HEADER, type ErrorMode } from '../errors/error-mode.js';
import { readGraphQLFiles } from './project-files.js';

/** The example operations in the order a newcomer should meet them; any others follow. */
const TAB_ORDER = ['profile.graphql', 'users.graphql', 'order.graphql', 'place-order.graphql', 'partial-result.graphql'];

/** The example whose tab is opened once per error mode, to compare the answers. */
const PARTIAL_RESULT = 'partial-result.graphql';

/** What each mode's tab says above the operation. */
const MODE_NOTES: Record<Exclude<ErrorMode, 'PROPAGATE'>, string> = {
  NULL: `# User u13 again, with onError: NULL: set by the ${ON_ERROR_HEADER}
# header below (a client sends "onError": "NULL" beside "query").
# An error stays at its own path, even in a non-null field: nothing
# bubbles. professional is nullable anyway, so the answer is the one
# of the PartialResult tab (PROPAGATE, the default).
`,
  HALT: `# User u13 again, with onError: HALT: set by the ${ON_ERROR_HEADER}
# header below (a client sends "onError": "HALT" beside "query").
# The first error ends the operation: data is null, the upstream calls
# still in flight are cancelled, and the answer does not wait for them.
`,
};

/**
 * GraphiQL opens with one tab per example operation in `operations/`. Their variables have
 * default values in the documents themselves, so that every tab runs as is (▶). The partial
 * result opens once more per error mode, its header set: change the header's value on any tab
 * to try a mode there.
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
    // Shows each answer's cost (estimated, actual, the limit) in its extensions.
    [COST_HEADER]: '1',
    // Where the token goes; until it is pasted, every operation answers UNAUTHENTICATED.
    ...(options.authentication ? { authorization: 'Bearer <paste the output of: npm run token -- u1>' } : {}),
  };
  const modeTab = (mode: keyof typeof MODE_NOTES) => ({
    // The example's own comment describes the default's answer: the note replaces it.
    query: MODE_NOTES[mode] + operations.get(PARTIAL_RESULT)!.replace(/^[^]*?query PartialResult\(/, `query PartialResult${mode}(`),
    headers: JSON.stringify({ ...headers, [ON_ERROR_HEADER]: mode }, null, 2),
  });
  return {
    title: 'REST graph',
    defaultTabs: names.flatMap((name) => [
      { query: operations.get(name)! },
      ...(name === PARTIAL_RESULT ? [modeTab('NULL'), modeTab('HALT')] : []),
    ]),
    ...(Object.keys(headers).length > 0 ? { headers: JSON.stringify(headers, null, 2) } : {}),
  };
}
