/**
 * What a client may ask of the graph's field errors, per request (`onError`, graphql-spec
 * PR #1163, the error behaviours): the modes, how the request names one, and what the
 * rest of the graph reads of the request's choice.
 */
import type { GraphQLError, OperationDefinitionNode } from 'graphql';
import { badRequest } from './graph-errors.js';

/**
 * - `PROPAGATE`: a field error makes its field `null`, and a `null` in a non-null field makes
 *   its parent `null` (bubbling), as GraphQL always did. The default.
 * - `NULL`: the field that failed is `null` at its own path, non-null or not; nothing bubbles.
 * - `HALT`: the first field error ends the operation: `data` is `null`, and every upstream call
 *   of the request still in flight is aborted.
 */
export const ERROR_MODES = ['PROPAGATE', 'NULL', 'HALT'] as const;
export type ErrorMode = (typeof ERROR_MODES)[number];

/** The request parameter (POST body, GET query string), as the proposal names it. */
export const ON_ERROR_PARAMETER = 'onError';
/** The same choice as a header, for tools that cannot add a body parameter (GraphiQL's header pane). */
export const ON_ERROR_HEADER = 'x-graph-on-error';

/** Whether `value` is a mode (a read of what was checked already, never a request error). */
export function isErrorMode(value: unknown): value is ErrorMode {
  return typeof value === 'string' && (ERROR_MODES as readonly string[]).includes(value);
}

/** The request's `onError`: `undefined` when absent (empty counts as absent), a request error when it is not a mode. */
export function errorModeOf(value: unknown, from: string = ON_ERROR_PARAMETER): ErrorMode | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (isErrorMode(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : `a ${Array.isArray(value) ? 'list' : typeof value}`;
  throw badRequest(`${from} must be one of ${ERROR_MODES.join(', ')}; got ${shown}.`);
}

/** How one request's field errors are handled: what the resolvers, the executor and the telemetry read. */
export interface ErrorHandling {
  /** What the request asked for; `undefined` when it did not ask. */
  readonly requested: ErrorMode | undefined;
  /**
   * The mode the operation runs in (the request's, or `NULL` for `@experimental_disableErrorPropagation`),
   * decided once by `decide` as the operation starts to execute (execution/error-modes.ts, which
   * the request pipeline puts before everything that reads it: server/pipeline.ts).
   */
  readonly mode: ErrorMode;
  /** Decides `mode` for the operation about to run; the same answer however often it is asked. */
  decide(operation: OperationDefinitionNode | null | undefined): ErrorMode;
  /** `HALT`: the executor's signal, aborted by the halt with the halting error as its reason. */
  readonly haltSignal: AbortSignal | undefined;
  /** `HALT`: ends the operation with this error (the first one only) and aborts the request's calls. */
  halt(error: GraphQLError): void;
  /** `HALT`, once halted: the error that ended the operation, and how many upstream calls were cut short. */
  readonly halted: { readonly error: GraphQLError; readonly cancelledCalls: number } | undefined;
}

/** What the error modes read of a request's context. */
export interface ModeContext {
  readonly onError: ErrorHandling;
}
