/**
 * For developers: when a request asked with `x-graph-upstream-calls: 1` (and the setting
 * `UPSTREAM_CALL_LIST` allows it), the answer's `extensions.upstreamCalls` lists every
 * attempt at an upstream call it caused, with its start and duration in ms since the request
 * began: the concurrency of the fan-out, at a glance in GraphiQL.
 */
import type { Plugin } from 'graphql-yoga';
import type { ScopedContext } from '../datasources/request-scope.js';

/** The request header that asks for the list of upstream calls in the answer. */
export const UPSTREAM_CALLS_HEADER = 'x-graph-upstream-calls';

export function useUpstreamCallList(): Plugin<ScopedContext> {
  return {
    onExecute: ({ args }) => {
      const log = args.contextValue.scope.callLog;
      if (log === undefined) return undefined;
      return {
        onExecuteDone: ({ result, setResult }) => {
          if (!('data' in result) && !('errors' in result)) return;
          const calls = [...log].sort((a, b) => a.startMs - b.startMs);
          setResult({ ...result, extensions: { ...result.extensions, upstreamCalls: calls } });
        },
      };
    },
  };
}
