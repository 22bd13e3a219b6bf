/**
 * `onError`, the client's choice per request of what a field error does (graphql-spec PR
 * #1163): `PROPAGATE` (the default: bubble to the nearest nullable parent), `NULL` (stay at
 * its own path) or `HALT` (end the operation, and abort the request's calls still in flight).
 *
 * - The request names it in the `onError` parameter (POST body, GET query string), or in the
 *   `x-graph-on-error` header; the parameter wins. Anything else is a request error (400),
 *   before anything runs.
 * - `@experimental_disableErrorPropagation` on the operation (graphql-js 17's name) is `NULL`
 *   when the request names no mode.
 * - Each mode runs under its own twin of the schema (mode-schemas.ts). A halt aborts the
 *   request's signal, which every upstream call of the request carries (connections closed,
 *   queued calls dropped, no retry after), and the executor's, so the answer goes at once.
 */
import { getOperationAST, type ExecutionArgs, type ExecutionResult, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isAsyncIterable } from '@graphql-tools/utils';
import {
  ON_ERROR_HEADER,
  ON_ERROR_PARAMETER,
  errorModeOf,
  isErrorMode,
  type ErrorHandling,
  type ErrorMode,
  type ModeContext,
} from '../errors/error-mode.js';
import { partErrors, type AnswerPart } from '../errors/graph-errors.js';
import { haltingSchema, nullingSchema } from './mode-schemas.js';
import { withIntrospectionAsWritten } from './introspection-as-written.js';

/** The operation directive graphql-js 17 reads as "errors do not propagate". */
export const DISABLE_ERROR_PROPAGATION = 'experimental_disableErrorPropagation';

/**
 * One request's error handling. Under `HALT` it owns the request's signal: the client's,
 * aborted by a halt too, and a count of the calls in flight (what a halt cancels).
 */
export class RequestErrorHandling implements ErrorHandling {
  halted: ErrorHandling['halted'];
  private decided: ErrorMode | undefined;
  /** What the request's upstream calls carry: the client's signal, and under `HALT` the halt's. */
  readonly signal: AbortSignal;
  /** Under `HALT`: the request's calls in flight, counted by the data sources. */
  readonly calls: { inFlight: number } | undefined;
  private readonly halting: AbortController | undefined;

  constructor(
    readonly requested: ErrorMode | undefined,
    clientSignal: AbortSignal,
  ) {
    if (requested === 'HALT') {
      this.halting = new AbortController();
      this.signal = AbortSignal.any([clientSignal, this.halting.signal]);
      this.calls = { inFlight: 0 };
    } else {
      this.signal = clientSignal;
    }
  }

  /** The executor's signal: aborted by a halt, with the halting error as its reason. */
  get haltSignal(): AbortSignal | undefined {
    return this.halting?.signal;
  }

  /** The mode: the request's until the operation is decided (`decide`). */
  get mode(): ErrorMode {
    return this.decided ?? this.requested ?? 'PROPAGATE';
  }

  /**
   * The mode of the operation about to run, decided once: the request's, else `NULL` when the
   * operation disables propagation, else `PROPAGATE`.
   */
  decide(operation: OperationDefinitionNode | null | undefined): ErrorMode {
    const disables = operation?.directives?.some((directive) => directive.name.value === DISABLE_ERROR_PROPAGATION) === true;
    this.decided ??= this.requested ?? (disables ? 'NULL' : 'PROPAGATE');
    return this.decided;
  }

  halt(error: GraphQLError): void {
    if (this.halting === undefined || this.halted !== undefined) return;
    this.halted = { error, cancelledCalls: this.calls?.inFlight ?? 0 };
    this.halting.abort(error);
  }
}

/**
 * The request's error handling, for its context: the mode `useErrorModes` read and checked from
 * the request (the only place that reads it), and the client's signal.
 */
export function errorHandlingFor(params: Readonly<Record<string, unknown>>, clientSignal: AbortSignal): RequestErrorHandling {
  const requested = params[ON_ERROR_PARAMETER];
  return new RequestErrorHandling(isErrorMode(requested) ? requested : undefined, clientSignal);
}

/**
 * Reads and checks `onError` before anything runs (the parameter, else the header), leaving the
 * mode in the `onError` parameter for the context; and runs each operation in its mode.
 */
export function useErrorModes(): Plugin<ModeContext> {
  return {
    onParams({ params, request, setParams }) {
      // A GET request's too (security/get-parameters.ts reads it from the query string).
      const raw = (params as Record<string, unknown>)[ON_ERROR_PARAMETER];
      const mode = errorModeOf(raw) ?? errorModeOf(request.headers.get(ON_ERROR_HEADER) ?? undefined, ON_ERROR_HEADER);
      if (mode !== undefined || raw !== undefined) setParams({ ...params, [ON_ERROR_PARAMETER]: mode } as typeof params);
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const { onError } = args.contextValue;
      const { document, operationName } = args as ExecutionArgs;
      const operation = getOperationAST(document, operationName);
      switch (onError.decide(operation)) {
        case 'PROPAGATE':
          return;
        case 'NULL':
          setExecuteFn((nulling: ExecutionArgs) =>
            withIntrospectionAsWritten(nulling, operation, (twin) => executeFn({ ...twin, schema: nullingSchema(twin.schema) }), executeFn),
          );
          return;
        case 'HALT':
          // A mutation's writes are the saga's, whose calls carry a signal of their own: a halt
          // ends the answer, never a write the saga has committed to.
          setExecuteFn((halting: ExecutionArgs) => {
            // Yoga's executor (@graphql-tools/executor) ends the operation when its signal aborts.
            const args: ExecutionArgs & { signal?: AbortSignal } = {
              ...halting,
              schema: haltingSchema(halting.schema),
              signal: onError.haltSignal,
            };
            return executeHalting(onError, () => executeFn(args));
          });
          return;
      }
    },
  };
}

/** One payload of an incremental answer (`@defer`, `@stream`), as yoga's executor yields them. */
type Payload = ExecutionResult & AnswerPart;
type Answer = ExecutionResult | AsyncIterable<Payload>;

/**
 * Under `HALT`: the executor's answer, or `{data: null, errors: [the first error]}` from the
 * moment there is one (also when it came before `execute` returned: an error thrown at once).
 */
function executeHalting(onError: ErrorHandling, execute: () => unknown): unknown {
  const stopped = (error: unknown): Answer => {
    if (onError.halted !== undefined && error === onError.halted.error) return { data: null, errors: [onError.halted.error] };
    throw error;
  };
  const settle = (result: Answer): Answer => (isAsyncIterable(result) ? haltedStream(onError, result) : haltedResult(onError, result));
  let answer: unknown;
  try {
    answer = execute();
  } catch (error) {
    return stopped(error);
  }
  if (answer instanceof Promise) return (answer as Promise<Answer>).then(settle, stopped);
  return settle(answer as Answer);
}

function haltedResult(onError: ErrorHandling, result: ExecutionResult): ExecutionResult {
  const first = onError.halted?.error ?? result.errors?.[0];
  if (first === undefined) return result;
  // An error the resolvers could not see (a value the executor could not serialise) halts too.
  onError.halt(first);
  return { data: null, errors: [first] };
}

/**
 * `@defer`/`@stream` under `HALT`: the payloads as they come until one carries an error; then
 * a last payload with that error, and the stream ends. A halt before the first payload is the
 * plain halted answer, as one last payload.
 */
async function* haltedStream(onError: ErrorHandling, payloads: AsyncIterable<Payload>): AsyncGenerator<Payload> {
  const iterator = payloads[Symbol.asyncIterator]();
  let first = true;
  try {
    for (;;) {
      let next: IteratorResult<Payload>;
      try {
        next = await iterator.next();
      } catch (error) {
        if (onError.halted === undefined || error !== onError.halted.error) throw error;
        yield first ? { data: null, errors: [onError.halted.error], hasNext: false } : { errors: [onError.halted.error], hasNext: false };
        return;
      }
      if (next.done === true) return;
      const error = onError.halted?.error ?? partErrors(next.value)[0];
      if (error === undefined) {
        yield next.value;
        first = false;
        continue;
      }
      onError.halt(error);
      yield first ? { data: null, errors: [error], hasNext: false } : { errors: [error], hasNext: false };
      return;
    }
  } finally {
    await iterator.return?.();
  }
}
