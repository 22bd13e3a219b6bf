/**
 * One Yoga plugin for everything told about a GraphQL operation: it reads the operation's
 * name and type once and computes its outcome once, then tells the tracer (the operation's
 * span), the metrics and the log (one line per operation: request id, name, type, duration,
 * error codes; the errors' details are in the lines of whatever failed).
 */
import { getOperationAST, type ExecutionArgs } from 'graphql';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import type { ScopedContext } from '../datasources/request-scope.js';
import { errorCodes } from '../errors/graph-errors.js';
import type { GraphMetrics } from './metrics.js';
import type { OperationInfo, OperationSummary } from './operation-record.js';
import type { GraphTracing } from './tracing.js';

export function useOperationTelemetry({
  tracing,
  metrics,
  logger,
}: {
  tracing: GraphTracing;
  metrics: GraphMetrics;
  logger: YogaLogger;
}): Plugin<ScopedContext> {
  const executed = new WeakSet<Request>();
  return {
    // Whatever was answered without executing (authentication, rate limit, parse, validation,
    // limits, CSRF, malformed requests) is counted here, by code: one place for every refusal.
    onResultProcess: ({ request, result }) => {
      if (executed.has(request) || Array.isArray(result) || !('errors' in result)) return;
      metrics.rejected(errorCodes(result.errors));
    },
    onExecute: ({ args }) => {
      executed.add(args.contextValue.request);
      const started = performance.now();
      // envelop types the execution's arguments as `any`: these are graphql-js's.
      const { document, operationName } = args as ExecutionArgs;
      const ast = getOperationAST(document, operationName);
      const operation: OperationInfo = { name: ast?.name?.value, type: ast?.operation ?? 'unknown' };
      const { scope, request } = args.contextValue;
      const endSpan = tracing.operationStarted(operation, request.headers, scope);
      const endMetrics = metrics.operationStarted(operation);
      return {
        onExecuteDone: ({ result }) => {
          // An incremental (streamed) result has no single outcome to tell.
          if (!('data' in result) && !('errors' in result)) return;
          const codes = errorCodes(result.errors);
          const hasData = result.data !== null && result.data !== undefined;
          const summary: OperationSummary = { outcome: codes.length === 0 ? 'success' : hasData ? 'partial' : 'error', errorCodes: codes };
          endSpan(summary);
          endMetrics(summary);
          logger.info('graphql operation', {
            requestId: scope.requestId,
            operation: operation.name ?? null,
            type: ast?.operation ?? null,
            durationMs: Math.round((performance.now() - started) * 10) / 10,
            errors: codes,
          });
        },
      };
    },
  };
}
