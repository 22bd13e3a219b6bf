// Reading the graph's errors: every error has extensions.code; an upstream's also names the service.
import type { GraphQLFormattedError } from 'graphql';
import { ERROR_CODES, type ErrorCode } from '../../generated/client/error-codes.js';

export interface GraphError {
  readonly code: ErrorCode | 'UNKNOWN';
  /** `personal`, `professional`, `orders`, `inventory` or `notifications`, for an upstream's failure. */
  readonly service?: string;
  /** Whether the same request may succeed later (time-out, 503, an open circuit, ...). */
  readonly retryable: boolean;
  /** Where in the answer: the field that is null because of it. */
  readonly path: readonly (string | number)[];
}

export function graphErrors(errors: readonly GraphQLFormattedError[] | undefined): GraphError[] {
  return (errors ?? []).map(({ extensions, path }) => {
    const code = extensions?.code;
    return {
      code: typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'UNKNOWN',
      ...(typeof extensions?.service === 'string' ? { service: extensions.service } : {}),
      retryable: extensions?.retryable === true,
      path: path ?? [],
    };
  });
}
