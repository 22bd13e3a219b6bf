/**
 * One log line per GraphQL operation: request id, operation name and type, duration and
 * the codes of its errors (the errors' details are in the lines of whatever failed).
 */
import { getOperationAST } from 'graphql';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import type { GraphContext } from './context.js';
import { errorCodes } from './errors.js';

export function useOperationLog(logger: YogaLogger): Plugin<GraphContext> {
  return {
    onExecute: ({ args }) => {
      const started = performance.now();
      const operation = getOperationAST(args.document, args.operationName);
      return {
        onExecuteDone: ({ result }) => {
          const errors = 'errors' in result ? errorCodes(result.errors) : [];
          logger.info('graphql operation', {
            requestId: args.contextValue.requestId,
            operation: operation?.name?.value ?? null,
            type: operation?.operation ?? null,
            durationMs: Math.round((performance.now() - started) * 10) / 10,
            errors,
          });
        },
      };
    },
  };
}
