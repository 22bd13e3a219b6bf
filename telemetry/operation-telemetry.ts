/**
 * One Yoga plugin for everything told about a GraphQL operation: it reads the operation's
 * name and type once and computes its outcome once, then tells the tracer (the operation's
 * span), the metrics and the log (one line per operation: request id, name, type, duration,
 * error codes; the errors' details are in the lines of whatever failed).
 */
import { getOperationAST, type ExecutionArgs } from 'graphql';
import { isAsyncIterable } from '@graphql-tools/utils';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import type { ScopedContext } from '../datasources/request-scope.js';
import { errorCodes, partErrors } from '../errors/graph-errors.js';
import type { GraphMetrics } from './metrics.js';
import type { OperationInfo, OperationSummary } from './operation-record.js';
import type { GraphTracing } from './tracing.js';

/** The operation's cost, as demand control leaves it on the context (security/demand-control.ts). */
interface CostOnContext {
  readonly cost?: { readonly estimated: number; readonly actual: number } | undefined;
}

export function useOperationTelemetry({
  tracing,
  metrics,
  logger,
}: {
  tracing: GraphTracing;
  metrics: GraphMetrics;
  logger: YogaLogger;
}): Plugin<ScopedContext & CostOnContext> {
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
      const context = args.contextValue;
      const { scope, request, onError } = context;
      // Decided by now (execution/error-modes.ts runs before this plugin).
      const operation: OperationInfo = { name: ast?.name?.value, type: ast?.operation ?? 'unknown', errorMode: onError.mode };
      const endSpan = tracing.operationStarted(operation, request.headers, scope);
      const endMetrics = metrics.operationStarted(operation);
      const end = (codes: readonly string[], hasData: boolean) => {
        const { halted } = onError;
        const cost = context.cost === undefined ? undefined : { estimated: context.cost.estimated, actual: context.cost.actual };
        const summary: OperationSummary = {
          outcome: codes.length === 0 ? 'success' : hasData ? 'partial' : 'error',
          errorCodes: codes,
          ...(halted === undefined ? {} : { halt: { cancelledCalls: halted.cancelledCalls } }),
          ...(cost === undefined ? {} : { cost }),
        };
        endSpan(summary);
        endMetrics(summary);
        logger.info('graphql operation', {
          requestId: scope.requestId,
          operation: operation.name ?? null,
          type: ast?.operation ?? null,
          onError: operation.errorMode,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          errors: codes,
          ...(cost === undefined ? {} : { cost }),
          ...(halted === undefined ? {} : { halted: true, cancelledCalls: halted.cancelledCalls }),
        });
      };
      return {
        onExecuteDone: ({ result }) => {
          if (!isAsyncIterable(result)) {
            end(errorCodes(result.errors), result.data !== null && result.data !== undefined);
            return undefined;
          }
          // An incremental answer (@defer, @stream): told when its last part has gone, with the
          // errors of every part; it has data when its first part had.
          const codes: string[] = [];
          let hasData: boolean | undefined;
          return {
            onNext: ({ result: part }) => {
              hasData ??= 'data' in part && part.data !== null && part.data !== undefined;
              codes.push(...errorCodes(partErrors(part)));
            },
            onEnd: () => end(codes, hasData ?? false),
          };
        },
      };
    },
  };
}
