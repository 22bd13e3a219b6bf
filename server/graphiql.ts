import type { GraphiQLOptions } from 'graphql-yoga';
import { readGraphQLFiles } from './project-files.js';

/** Variables for the example operations kept in `operations/`, picked to show the demo data. */
const EXAMPLE_VARIABLES: Record<string, object> = {
  'profile.graphql': { id: 'u1' },
  'users.graphql': { ids: ['u1', 'u2', 'u3', 'u4', 'u5', 'u999999'] },
  'order.graphql': { id: 'o1' },
};

const PARTIAL_RESULT = `# A partial result. On the demo services, user u13's professional profile always fails
# (HTTP 503): "professional" is null with one error at ["user", "professional"],
# and everything else stands. Faults of any demo service can also be switched at run
# time, e.g.:
#   curl -X PUT localhost:4000/demo/settings -d '{"orders": {"fault": "hang"}}'
`;

/** GraphiQL opens with one tab per example operation, plus one that shows a partial result. */
export function graphiqlOptions(): GraphiQLOptions {
  const operations = readGraphQLFiles('operations');
  const tabs = [...operations].map(([name, query]) => ({
    query,
    variables: JSON.stringify(EXAMPLE_VARIABLES[name] ?? {}, null, 2),
  }));
  const profile = operations.get('profile.graphql');
  if (profile !== undefined) {
    tabs.push({ query: PARTIAL_RESULT + profile.replace(/^#.*\n/gm, ''), variables: JSON.stringify({ id: 'u13' }, null, 2) });
  }
  return { title: 'REST graph', defaultTabs: tabs };
}
