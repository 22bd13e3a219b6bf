/**
 * For developers: when a request asked with `x-graph-upstream-calls: 1` (and the setting
 * `UPSTREAM_CALL_LIST` allows it), the answer's `extensions.upstreamCalls` lists every
 * attempt at an upstream call it caused, with its start and duration in ms since the request
 * began: the concurrency of the fan-out, at a glance in GraphiQL (its "Upstream calls" panel
 * draws them). An incremental answer (`@defer`, `@stream`) carries in each part the calls
 * that ended since the part before.
 */
import { isAsyncIterable } from '@graphql-tools/utils';
import type { Plugin } from 'graphql-yoga';
import type { ScopedContext, UpstreamCallRecord } from '../datasources/request-scope.js';

/** The request header that asks for the list of upstream calls in the answer. */
export const UPSTREAM_CALLS_HEADER = 'x-graph-upstream-calls';

export function useUpstreamCallList(): Plugin<ScopedContext> {
  return {
    onExecute: ({ args }) => {
      const log = args.contextValue.scope.callLog;
      if (log === undefined) return undefined;
      let told = 0;
      /** The calls that ended since the last part, in the order they started. */
      const fresh = (): UpstreamCallRecord[] => {
        const calls = log.slice(told).sort((a, b) => a.startMs - b.startMs);
        told = log.length;
        return calls;
      };
      const withCalls = <T extends { extensions?: Record<string, unknown> }>(part: T): T => ({
        ...part,
        extensions: { ...part.extensions, upstreamCalls: fresh() },
      });
      return {
        onExecuteDone: ({ result, setResult }) => {
          if (!isAsyncIterable(result)) return setResult(withCalls(result));
          return { onNext: ({ result: part, setResult: setPart }) => setPart(withCalls(part)) };
        },
      };
    },
  };
}
